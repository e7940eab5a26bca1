"""Template tags that ask the views' own access rules, so a page links only where one may go."""

from __future__ import annotations

from typing import Any

from django import template

from autarcie.core import navigation
from autarcie.core.models import User

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open(context: dict[str, Any], url_name: str) -> bool:
    """``{% may_open "viewer:audit_unusual" as allowed %}``: the view's rule for this user."""
    user = context.get("user")
    return isinstance(user, User) and navigation.may_open(user, url_name)
