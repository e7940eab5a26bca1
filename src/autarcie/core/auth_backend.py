"""Django's model backend, with the session's user read in one plain query on every page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from autarcie.core.models import User
from autarcie.core.plain_load import by_pk


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = by_pk(User, user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
