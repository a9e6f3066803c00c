"""People: users with their roles and status, and the groups (segments) they belong to."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.files.references import stored_file
from portal.i18n import N_


class Role(StrEnum):
    ADVOCATE = "advocate"
    MARKETER = "marketer"
    SALES = "sales"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "advocate": N_("Advocate"),
            "marketer": N_("Marketer"),
            "sales": N_("Sales rep"),
            "admin": N_("Admin"),
        }[self.value]


STAFF_ROLES = frozenset({Role.MARKETER, Role.SALES, Role.ADMIN})


class UserStatus(StrEnum):
    INVITED = "invited"
    PENDING = "pending"  # signed up, waiting for a marketer's approval
    ACTIVE = "active"
    SUSPENDED = "suspended"


class User(Base):
    __tablename__ = "users"
    # The People table sorts and pages by joined, id breaking ties.
    __table_args__ = (
        Index("ix_users_created_at_id", "created_at", "id"),
        Index("ux_users_personal_code", "personal_code", unique=True),
        # The People table sorts by name, lower-cased, id breaking ties. PostgreSQL only:
        # SQLite cannot reflect an index on an expression, which every later batch migration
        # of this table would trip on, and it serves the small installs.
        Index("ix_users_lower_display_name_id", text("lower(display_name)"), "id").ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[UserStatus] = mapped_column(String(20), default=UserStatus.ACTIVE, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(16), default="")  # a language tag: "en", "pt-BR"
    # An IANA zone name the person chose; "": the program's (dates typed and shown in it).
    time_zone: Mapped[str] = mapped_column(String(60), default="")
    avatar_name: Mapped[str | None] = mapped_column(String(80), info=stored_file())
    avatar_type: Mapped[str] = mapped_column(String(100), default="")
    referral_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The short code to say or type when the link is lost (portal.people.codes); upper-case.
    # Every account gets one; only rows written outside the services (benchmark data) lack it.
    personal_code: Mapped[str | None] = mapped_column(String(20))
    # Opt-in: other advocates see this person's name in the community feed.
    show_in_feed: Mapped[bool] = mapped_column(default=False)
    # Opt-out: on leaderboards others see "An advocate" (still ranked and counted).
    hide_from_boards: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_login_at: Mapped[datetime | None]  # starts the onboarding sequence
    last_login_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_engaged_at: Mapped[datetime | None]
    sso_signed_in_at: Mapped[datetime | None]  # the first single sign-on (trust scores read it)

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan"
    )

    def record_login(self, moment: datetime) -> None:
        self.last_login_at = moment
        if self.first_login_at is None:
            self.first_login_at = moment

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.roles)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set & set(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.role_set & STAFF_ROLES)

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.replace("-", " ").split() if p[:1].isalnum()]
        letters = "".join(p[0] for p in parts[:1] + parts[1:][-1:])
        return (letters or self.email[:1]).upper()


class UserSession(Base):
    """One signed-in browser. Its cookie carries a random token; only the token's hash is kept
    (the id), so the table can't be used to sign in. Live while not revoked, not past
    `expires_at` and not idle too long (portal.people.sessions decides)."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]
    device: Mapped[str] = mapped_column(String(80), default="")  # "Firefox on Linux"
    client_key: Mapped[str] = mapped_column(String(64), default="")  # keyed hash of the address
    # When the person last proved it's them (password, code): sensitive actions ask again
    # once this is old (portal.people.reauth).
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Held at the two-factor setup page until it is on (admins, when the program requires it).
    two_factor_setup_due: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(lazy="raise")


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed so boards can leave staff out without scanning everyone's roles.
    role: Mapped[Role] = mapped_column(String(20), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise")


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    is_leaderboard_hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A segment: its members are whoever its rules match (portal.segments keeps group_members
    # in step), so everything that targets groups reads one table for both kinds.
    is_dynamic: Mapped[bool] = mapped_column(default=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    members_refreshed_at: Mapped[datetime | None]
    # People who sign up through /join/<code> join the group (open sign-up rules still apply).
    join_code: Mapped[str | None] = mapped_column(String(32), unique=True)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActiveDay(Base):
    """A day on which a person used the portal while signed in: one row per person and day,
    written at most once a day by `people.sessions.record_visit`, so reports can count who
    was active in any past period (`last_seen_at` keeps only the latest visit)."""

    __tablename__ = "user_active_days"
    # By person then day: a period's distinct active people are one ordered pass over it.
    __table_args__ = (Index("ix_user_active_days_user_id_day", "user_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class DailyActives(Base):
    """How many advocates used the portal on each UTC day: one more when `record_visit` writes
    an advocate's first `user_active_days` row of the day (the role at that visit), so the
    engagement report reads a few rows a day. Sharded (user id modulo ACTIVE_SHARDS) so that
    first visits of different people seldom wait on one row's lock."""

    __tablename__ = "user_daily_actives"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)
    advocates: Mapped[int] = mapped_column(default=0)


ACTIVE_SHARDS = 16
# The `since` of a person's first day ever: before every period.
NEVER = date.min


class ActiveReturns(Base):
    """Advocates whose first visit of a UTC day came after their previous visit on `since`
    (NEVER for their first visit ever), kept by `record_visit` beside `user_daily_actives`: the
    advocates active from day A to day B are the rows of those days with `since` before A, one
    row per person (their first visit in the period), so a distinct count over 90 days reads a
    few thousand counters instead of ~880 000 visits. Sharded like the daily actives."""

    __tablename__ = "user_active_returns"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)
    advocates: Mapped[int] = mapped_column(default=0)


class FieldKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    NUMBER = "number"
    DATE = "date"


class ProfileField(Base):
    """A profile field a marketer defines (region, industry, customer since, NPS …): shown on
    the sign-up form and/or the profile when marked so, on a person's page, and filterable in
    the People table. `choices` holds a choice field's options, one per line."""

    __tablename__ = "profile_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[FieldKind] = mapped_column(String(10))
    choices: Mapped[str] = mapped_column(String(2000), default="")
    is_required: Mapped[bool] = mapped_column(default=False)
    on_signup: Mapped[bool] = mapped_column(default=False)
    on_profile: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def options(self) -> list[str]:
        return [line for line in self.choices.splitlines() if line.strip()]


class ProfileValue(Base):
    """One person's answer to one profile field, as text: a number as its digits and a date
    as YYYY-MM-DD, so equal answers compare equal whatever was typed."""

    __tablename__ = "profile_values"
    __table_args__ = (Index("ix_profile_values_field_id_value", "field_id", "value"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[int] = mapped_column(
        ForeignKey("profile_fields.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(String(200))
