"""Template context shared by every page: mode warnings, the user's roles and menu, the hospital."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from autarcie.core.models import User
from autarcie.core.navigation import menu_for
from autarcie.core.roles import CARE_ROLES, Role


def autarcie_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user if isinstance(request.user, User) else None
    if user is not None and not user.is_authenticated:
        user = None
    roles = sorted(user.role_set) if user is not None else []
    return {
        "hospital_name": settings.HOSPITAL_NAME,
        "demo_mode": settings.MODE == "demo",
        "insecure_transport": not request.is_secure(),
        "user_roles": roles,
        "user_role_labels": [Role(r).label for r in roles],
        "is_admin": Role.ADMIN in roles,
        "is_carer": bool(set(roles) & CARE_ROLES),
        "is_crisis_cell": bool(
            set(roles) & {Role.CRISIS_DIRECTOR, Role.CRISIS_MEMBER, Role.IT_SECURITY}
        ),
        "menu": menu_for(user, request.path) if user is not None else [],
        "idle_timeout_minutes": settings.IDLE_TIMEOUT_SECONDS // 60,
    }
