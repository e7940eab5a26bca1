"""The one access call every crisis view starts with."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from autarcie.core.access import acting_user
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.crisis.actions import CELL_ROLES
from autarcie.crisis.models import Crisis


def cell_user(request: HttpRequest, *roles: Role) -> User:
    """The logged-in user if they hold one of ``roles`` (default: any cell role)."""
    user = acting_user(request)
    if not user.has_role(*(roles or CELL_ROLES)):
        raise PermissionDenied
    return user


def cell_crisis(request: HttpRequest, crisis_id: int, *roles: Role) -> tuple[User, Crisis]:
    user = cell_user(request, *roles)
    crisis = Crisis.objects.filter(pk=crisis_id).first()
    if crisis is None:
        raise Http404
    return user, crisis
