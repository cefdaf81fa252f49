from typing import Any

from django.http import HttpRequest

from ravao.accounts.selectors import user_roles


def roles(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's roles, for the navigation (one cached query per request)."""
    user = getattr(request, "user", None)
    return {"user_roles": user_roles(user) if user is not None and user.is_authenticated else set()}
