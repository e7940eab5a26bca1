"""Django's model backend, with the session's user, roles and units read by plain statements
on every page (one round trip on PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from autarcie.core.models import User
from autarcie.core.plain_load import by_pk_statement, first_instance
from autarcie.core.read_many import fetch_many


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        # Django gives the session's user id already as the primary key's type.
        statements = [by_pk_statement(User, user_id), User.scopes_statement(user_id)]
        user_rows, scope_rows = fetch_many(statements)
        user = first_instance(User, user_rows)
        if user is None or not self.user_can_authenticate(user):
            return None
        user.keep_scopes(scope_rows)
        return user
