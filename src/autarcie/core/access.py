"""Access helpers every view starts with: roles, unit scopes, and the second factor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from autarcie.core.models import Unit, User
from autarcie.core.roles import Role

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def acting_user(request: HttpRequest) -> User:
    """The authenticated user of a request, or PermissionDenied."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def require_role(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied


def units_for(user: User) -> QuerySet[Unit]:
    """The units a user may see without break-glass."""
    if user.all_units:
        return Unit.objects.all()
    return user.units.all()


def can_access_unit(user: User, unit_code: str) -> bool:
    if user.all_units:
        return True
    return unit_code in user.unit_code_set


def get_unit_for_user(user: User, unit_code: str) -> Unit:
    """The unit if the user's scope includes it; 404 if unknown, 403 outside the scope."""
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise Http404
    if not can_access_unit(user, unit_code):
        raise PermissionDenied
    return unit


def role_required(*roles: Role) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: log in first, then hold one of ``roles`` (none given: any role).

    The decorated view carries its rule as ``allows`` (a predicate on a user), so the
    navigation shows a link exactly when the view would answer it; ``functools.wraps`` copies
    the attribute through the decorators stacked above this one.
    """

    def allows(user: User) -> bool:
        return user.is_authenticated and (not roles or user.has_role(*roles))

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if roles:
                require_role(acting_user(request), *roles)
            return view(request, *args, **kwargs)

        wrapped.allows = allows  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def view_allows(view: Callable[..., HttpResponse], user: User) -> bool:
    """Whether ``view``'s own access rule lets ``user`` in; a view without one never does."""
    allows = getattr(view, "allows", None)
    return bool(allows is not None and allows(user))


def client_address(request: HttpRequest) -> str:
    # No proxy in front of Autarcie on a hospital LAN: the socket address is the truth.
    return str(request.META.get("REMOTE_ADDR", "unknown"))
