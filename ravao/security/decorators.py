from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ravao.accounts.models import User
from ravao.accounts.selectors import user_roles
from ravao.security.otp import PENDING_KEY, confirmed_device, is_verified, url_with_next

View = Callable[..., HttpResponse]


def otp_required_for_role(*roles: str) -> Callable[[View], View]:
    """Users holding any of `roles` reach the view only with a session verified by a one-time code
    (enrolling first when they have no device). Others pass through: the view authorises them.

    Unlike the path-based middleware this applies whatever RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS says:
    decorating a view is an explicit decision."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if isinstance(user, User) and not is_verified(user) and user_roles(user) & set(roles):
                has_device = request.session.get(PENDING_KEY) or confirmed_device(user) is not None
                target = "accounts:otp_verify" if has_device else "accounts:otp_enrol"
                return redirect(url_with_next(target, request.get_full_path()))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
