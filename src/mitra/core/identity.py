"""Identity and auth: agencies, users and roles, API tokens, web sessions, login rate limits.

Passwords are hashed with scrypt; tokens and session ids are stored only as SHA-256 digests,
so a copy of the database gives no working credential.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from mitra.audit.service import AuditEvent, record
from mitra.foundation.db import Base, UtcDateTime
from mitra.foundation.errors import Conflict, InvalidInput, NotFound, TooManyAttempts, Unauthorized
from mitra.foundation.timestamps import now_utc
from mitra.policy import Actor, Role

TOKEN_PREFIX = "mitra_"
SESSION_LIFETIME = timedelta(hours=8)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class Agency(Base):
    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    nation: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    nation: Mapped[str] = mapped_column(String(3))
    agency: Mapped[str | None] = mapped_column(String(32))
    roles: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    language: Mapped[str | None] = mapped_column(String(8))  # the pages' language the person chose; None: default

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles.split(",") if r)

    def actor(self) -> Actor:
        return Actor(nation=self.nation, agency=self.agency, username=self.username, roles=self.role_set)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    __tablename__ = "web_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LoginFailure(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${derived.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt_hex, derived_hex = stored.split("$")
    derived = hashlib.scrypt(
        password.encode("utf-8"),
        salt=bytes.fromhex(salt_hex),
        **_SCRYPT,
    )
    return hmac.compare_digest(derived.hex(), derived_hex)


def parse_roles(text: str) -> frozenset[Role]:
    roles = set()
    for raw in text.split(","):
        part = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if not part:
            continue
        try:
            roles.add(Role(part))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"roles: {part!r} is not a role ({known})") from None
    if not roles:
        raise InvalidInput("roles: give at least one role")
    return frozenset(roles)


def add_user(
    session: Session,
    *,
    username: str,
    nation: str,
    agency: str | None,
    roles: frozenset[Role],
    password: str | None,
    display_name: str | None = None,
    by: str = "system",
) -> User:
    """Create a user; the caller owns the transaction. Partner accounts need no agency."""
    if not username or len(username) > 64 or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidInput(f"username: {username!r} must be 1-64 letters, digits, - _ .")
    if password is not None and len(password) < 10:
        raise InvalidInput("password: at least 10 characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = User(
        username=username,
        display_name=display_name or username,
        nation=nation,
        agency=agency,
        roles=",".join(sorted(r.value for r in roles)),
        password_hash=hash_password(password) if password else None,
        active=True,
        created_at=now_utc(),
    )
    session.add(user)
    session.flush()
    record(
        session,
        AuditEvent(
            by,
            "user_add",
            None,
            {"username": username, "roles": user.roles, "nation": nation, "agency": agency},
        ),
    )
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def create_token(session: Session, *, username: str, name: str, by: str = "system") -> str:
    """Create an API token; the clear value is returned once and never stored."""
    user = get_user(session, username)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            name=name,
            digest=_digest(secret),
            hint=secret[-4:],
            created_at=now_utc(),
            revoked=False,
        )
    )
    session.flush()
    record(session, AuditEvent(by, "token_create", None, {"username": username, "name": name}))
    return secret


def user_for_token(session: Session, token: str) -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.digest == _digest(token), ApiToken.revoked.is_(False)))
    if row is None:
        raise Unauthorized("the API token is unknown or revoked")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("the token's user is disabled")
    return user


@dataclass(frozen=True, slots=True)
class LoginResult:
    user: User
    session_id: str
    csrf_token: str


def _recent_failures(session: Session, username: str, address: str, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(
                LoginFailure.at >= since,
                (LoginFailure.username == username) | (LoginFailure.address == address),
            )
        )
        or 0
    )


def login(
    session: Session,
    *,
    username: str,
    password: str,
    address: str,
    max_failures: int,
    window: timedelta,
) -> LoginResult:
    """Check a password login, rate-limited per user and per address; audit success and failure."""
    now = now_utc()
    if _recent_failures(session, username, address, now - window) >= max_failures:
        record(session, AuditEvent(username, "login_blocked", None, {"address": address}))
        raise TooManyAttempts(f"too many failed logins for {username!r} or from {address}; try again later")
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password(password, user.password_hash):
        session.add(LoginFailure(username=username, address=address, at=now))
        record(session, AuditEvent(username, "login_failed", None, {"address": address}))
        raise Unauthorized("wrong username or password")
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            digest=_digest(session_id),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    record(session, AuditEvent(username, "login", None, {"address": address}))
    return LoginResult(user=user, session_id=session_id, csrf_token=csrf)


def session_user(session: Session, session_id: str) -> tuple[User, str]:
    """The user and CSRF token of a live web session."""
    row = session.get(WebSession, _digest(session_id))
    if row is None:
        raise Unauthorized("not logged in")
    if row.expires_at < now_utc():
        raise Unauthorized("the session has expired; log in again")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("the session's user is disabled")
    return user, row.csrf_token


def logout(session: Session, session_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.digest == _digest(session_id)))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
