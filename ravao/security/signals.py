from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from ravao.accounts.models import User
from ravao.security.otp import PENDING_KEY, confirmed_device


@receiver(user_logged_in)
def mark_session_awaiting_code(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    # Decided once per login so that ordinary pages need no device query (see otp.py).
    if request is not None and hasattr(request, "session"):
        request.session[PENDING_KEY] = confirmed_device(user) is not None
