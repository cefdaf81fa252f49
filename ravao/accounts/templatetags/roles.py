"""`{% load roles %}`: roles and offices named by the unit they serve, for templates.

`{{ membership.role|role_label:membership.unit }}` → "Quản trị viên cấp tỉnh";
`{{ membership.unit|office_name:membership.role }}` → "UBND Thành phố Hà Nội"."""

from django import template

from ravao.accounts import selectors
from ravao.places.models import AdminUnit

register = template.Library()


@register.filter
def role_label(role: str, scope: object = None) -> str:
    """The role named by its unit; a venue (or nothing) as scope gives the role's own label."""
    unit = scope if isinstance(scope, AdminUnit | str) else None
    return selectors.role_label(role, unit or None)


@register.filter
def office_name(unit: AdminUnit | None, role: str = "") -> str:
    return selectors.office_name(unit, role) if unit is not None else ""
