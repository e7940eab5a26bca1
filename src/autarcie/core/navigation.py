"""The one top menu of every page: which entries a user sees, decided by the views' own rules.

An entry is shown when the view behind its URL would let the user in (the ``allows`` rule that
``role_required`` attaches to the view). There is no second list of roles to keep in step with
the views: change a view's roles and the menu follows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from autarcie.core.access import view_allows
from autarcie.core.models import User

# In menu order. URL names only: core may not import the other apps, the URL resolver may.
MENU: tuple[tuple[str, Promise], ...] = (
    ("core:home", _("Accueil")),
    ("viewer:search", _("Recherche")),
    ("care:home", _("Mode dégradé")),
    ("kits:home", _("Kits")),
    ("crisis:index", _("Cellule de crise")),
    ("crisis:directory", _("Annuaire")),
    ("recovery:checklist", _("Reprise")),
    ("viewer:audit_review", _("Audit")),
    ("mirror:feeds", _("Flux")),
    ("core:admin_users", _("Utilisateurs")),
    ("satellite:admin", _("Satellites")),
    ("viewer:tokens", _("Jetons API")),
)


@dataclass(frozen=True)
class MenuLink:
    url: str
    label: str
    current: bool


def may_open(user: User, url_name: str) -> bool:
    """Whether ``user`` may open the page named ``url_name`` (no URL arguments)."""
    try:
        match = resolve(reverse(url_name))
    except (NoReverseMatch, Resolver404):
        return False
    return view_allows(match.func, user)


def menu_for(user: User, path: str = "") -> list[MenuLink]:
    """The menu entries ``user`` may open; ``path`` marks the entry of the current page."""
    if not user.is_authenticated:
        return []
    allowed = [(reverse(name), str(label)) for name, label in MENU if may_open(user, name)]
    # The longest URL the path starts with is the current section ("/crise/annuaire/" is
    # the directory, not the crisis index); "/" is current only on the home page itself.
    matching = [
        url for url, _label in allowed if path == url or (url != "/" and path.startswith(url))
    ]
    current = max(matching, key=len, default=None)
    return [MenuLink(url=url, label=label, current=url == current) for url, label in allowed]
