"""Who may staff which unit, and the one way to fetch a unit or a membership for staffing.

Design
- An administrator (`district_admin`) staffs the unit they serve and every unit below it (a province's
  admin: its districts, where they exist, and communes). They may grant the three official roles, each at
  the levels it serves (ROLE_LEVELS).
- With RAVAO_COMMUNE_MAY_INVITE_HEALTH_STAFF on, a commune official may also grant (and remove) the role
  of health officer over their own commune: the commune's health station staff. Nothing else.
- Each access_* function raises Http404 both for a missing object and a forbidden one.
"""

from django.http import Http404

from ravao.accounts import conf
from ravao.accounts.models import UNIT_ROLES, Membership, Role, User
from ravao.accounts.selectors import user_units
from ravao.accounts.services import role_fits_unit
from ravao.places.models import AdminUnit


def _admin_paths(user: User) -> list[str]:
    # Cached on the user object (one request): a staff page asks once per listed membership and unit.
    if not hasattr(user, "_ravao_admin_paths"):
        paths = list(user_units(user, roles=(Role.DISTRICT_ADMIN,)).values_list("path", flat=True))
        user._ravao_admin_paths = paths  # type: ignore[attr-defined]
    return user._ravao_admin_paths  # type: ignore[attr-defined]


def _commune_ids(user: User) -> set[int]:
    if not conf.COMMUNE_MAY_INVITE_HEALTH_STAFF:
        return set()
    if not hasattr(user, "_ravao_commune_ids"):
        ids = set(user_units(user, roles=(Role.COMMUNE_OFFICIAL,)).values_list("pk", flat=True))
        user._ravao_commune_ids = ids  # type: ignore[attr-defined]
    return user._ravao_commune_ids  # type: ignore[attr-defined]


def administers(user: User, unit: AdminUnit) -> bool:
    """The user is an administrator of `unit` or of a unit above it."""
    return any(unit.path.startswith(path) for path in _admin_paths(user))


def grantable_roles(user: User, unit: AdminUnit) -> list[str]:
    """The official roles `user` may grant over `unit`, in Role order."""
    if not user.is_authenticated:
        return []
    if administers(user, unit):
        return [role for role in UNIT_ROLES if role_fits_unit(role, unit)]
    if unit.pk in _commune_ids(user) and role_fits_unit(Role.HEALTH_OFFICER, unit):
        return [Role.HEALTH_OFFICER]
    return []


def staffable_units(user: User) -> list[AdminUnit]:
    """The units whose staff page the user may open: their own unit and those below it."""
    if not user.is_authenticated:
        return []
    roots = list(user_units(user, roles=(Role.DISTRICT_ADMIN,)))
    units = {unit.pk: unit for root in roots for unit in AdminUnit.objects.filter(path__startswith=root.path)}
    for unit in AdminUnit.objects.filter(pk__in=_commune_ids(user)):
        units.setdefault(unit.pk, unit)
    return sorted(units.values(), key=lambda unit: unit.path)


def access_staff_unit(user: User, unit_id: int) -> AdminUnit:
    """A unit whose staff the user may see and change."""
    if not user.is_authenticated:
        raise Http404
    unit = AdminUnit.objects.filter(pk=unit_id).first()
    if unit is None or not grantable_roles(user, unit):
        raise Http404
    return unit


def access_membership(user: User, membership_id: int, *, admin_only: bool = False) -> Membership:
    """An official's membership the user may change or remove: over a unit they staff, with a role they
    may grant there. `admin_only`: administrators only (resetting someone's second factor)."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("user", "unit").filter(pk=membership_id, unit__isnull=False).first()
    )
    if membership is None or membership.unit is None:
        raise Http404
    if admin_only:
        allowed = administers(user, membership.unit)
    else:
        allowed = membership.role in grantable_roles(user, membership.unit)
    if not allowed:
        raise Http404
    return membership
