"""Users, roles, units, the journal and the authentication state of the security core."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from autarcie.core.read_many import Statement, fetch_many
from autarcie.core.roles import Role, UnitKind


class Unit(models.Model):
    """A functional unit (UF) of the hospital."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("libellé"), max_length=120)
    pole = models.CharField(_("pôle"), max_length=120, blank=True)
    beds = models.PositiveIntegerField(_("lits"), default=0)
    kind = models.CharField(_("type"), max_length=20, choices=UnitKind.choices)

    class Meta:
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username=username)


class User(AbstractBaseUser):
    """A person who uses Autarcie. Roles and unit scopes decide what they see."""

    username = models.CharField(_("identifiant"), max_length=64, unique=True)
    full_name = models.CharField(_("nom complet"), max_length=200, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    all_units = models.BooleanField(_("toutes les unités"), default=False)
    units = models.ManyToManyField(Unit, blank=True, related_name="users")
    created_at = models.DateTimeField()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    class Meta:
        ordering: ClassVar = ["username"]

    def __str__(self) -> str:
        return self.username

    @property
    def role_set(self) -> frozenset[Role]:
        cached: frozenset[Role] | None = getattr(self, "_role_cache", None)
        if cached is None:
            self._read_scopes()
            cached = self._role_cache
        return cached

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def unit_code_set(self) -> frozenset[str]:
        """Codes of the units granted to this user (read once per instance, like the roles).

        Empty for an all-units user: check ``all_units`` first.
        """
        cached: frozenset[str] | None = getattr(self, "_unit_cache", None)
        if cached is None:
            self._read_scopes()
            cached = self._unit_cache
        return cached

    def forget_cached_roles(self) -> None:
        """Roles and units are re-read on next use (after they were changed)."""
        self.__dict__.pop("_role_cache", None)
        self.__dict__.pop("_unit_cache", None)

    def _read_scopes(self) -> None:
        rows: list[tuple[Any, ...]] = []
        if self.pk is not None:
            (rows,) = fetch_many([User.scopes_statement(self.pk)])
        self.keep_scopes(rows)

    @staticmethod
    def scopes_statement(user_id: int) -> Statement:
        """Roles and unit codes in one plain query: nearly every page needs both."""
        quote = connection.ops.quote_name
        grants = quote(RoleGrant._meta.db_table)
        through = quote(User.units.through._meta.db_table)
        unit_table = quote(Unit._meta.db_table)
        return (
            f"SELECT 'r', role FROM {grants} WHERE user_id = %s "  # noqa: S608
            f"UNION ALL SELECT 'u', u.code FROM {through} m "
            f"JOIN {unit_table} u ON u.id = m.unit_id WHERE m.user_id = %s",
            [user_id, user_id],
        )

    def keep_scopes(self, rows: list[tuple[Any, ...]]) -> None:
        """Keep the roles and units read by ``scopes_statement`` for this instance."""
        roles: set[Role] = set()
        units: set[str] = set()
        for kind, value in rows:
            if kind == "r":
                roles.add(Role(value))
            else:
                units.add(value)
        self._role_cache = frozenset(roles)
        self._unit_cache = frozenset(units)


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class JournalEntry(models.Model):
    """One link of the hash chain. Written only by ``autarcie.core.journal.record``."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=120)  # "user:<id>" or "system:<component>"
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=128, blank=True)
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering: ClassVar = ["seq"]
        indexes: ClassVar = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["action", "at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class JournalHead(models.Model):
    """The last link, one row: locking it serialises journal writers on every engine."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class LoginThrottle(models.Model):
    """Consecutive failed logins for one account or one client address."""

    key = models.CharField(max_length=200, unique=True)  # "user:<name>" or "addr:<ip>"
    failures = models.PositiveIntegerField(default=0)
    last_failure = models.DateTimeField(null=True)
    blocked_until = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.key


class TotpDevice(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True)
    last_used_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"totp:{self.user_id}"


class RecoveryCode(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=200)
    used_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"recovery:{self.user_id}"


class TempIdSequence(models.Model):
    """Next free temporary-identifier sequence number of a site; locked to allocate blocks."""

    site = models.CharField(max_length=2, unique=True)
    next_value = models.PositiveIntegerField(default=1)
    # On an instance that only holds ranges delegated by another one (a satellite): the last
    # number of the range in use. None: the whole pool is this instance's own.
    ceiling = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.site}:{self.next_value}"


class TempIdBlock(models.Model):
    """Identifiers ``first``..``last`` of a site, handed to one holder in advance."""

    site = models.CharField(max_length=2)
    first = models.PositiveIntegerField()
    last = models.PositiveIntegerField()
    holder_type = models.CharField(max_length=16)  # unit, kit, workstation, satellite
    holder_id = models.CharField(max_length=120)
    allocated_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["site", "first", "last"])]

    def __str__(self) -> str:
        return f"{self.site}:{self.first}-{self.last} {self.holder_type}:{self.holder_id}"


class ApiToken(models.Model):
    """A bearer token for the FHIR API. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=120)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)  # the first characters, to recognise it in a list
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"token:{self.pk}:{self.user_id}"
