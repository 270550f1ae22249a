"""Typed settings (``MITRA_`` prefix): the only reader of the environment.

A bad value stops start-up with a message naming the setting.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_AGENCY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_FEED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def ais_feed_problem(name: str, url: str) -> str:
    """What is wrong with one named AIS feed source (empty when nothing): the one check, for settings and CLI."""
    if not _FEED_NAME.match(name):
        return f"feed name {name!r}: use letters, digits, '.', '_' or '-' (up to 64, first a letter or digit)"
    if url.startswith("file://"):
        if not url.removeprefix("file://").startswith("/"):
            return f"feed {name!r}: {url!r}: a followed file is file:///ABSOLUTE/PATH"
        return ""
    scheme, _, rest = url.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "udp") or not host.strip("[]") or not port.isdigit() or not 0 < int(port) < 65536:
        return f"feed {name!r}: {url!r} is not tcp://HOST:PORT, udp://HOST:PORT or file:///PATH"
    return ""


class SettingsError(Exception):
    """A setting has a bad value; the message names it."""


class Settings(BaseSettings):
    """One node's configuration. Create once with :func:`load_settings` and pass it down."""

    model_config = SettingsConfigDict(env_prefix="MITRA_", extra="ignore", frozen=True)

    nation: str = Field(default="IND", description="This node's nation, ISO 3166-1 alpha-3.")
    partnership: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["IND", "MYS"],
        description="The two nations of the partnership (alpha-3, comma-separated); this node's nation is one.",
    )
    agencies: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["NSCS"],
        description="Comma-separated agency codes of this nation that use the node.",
    )
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in the data dir.")
    data_dir: Path = Field(default=Path("var/node"), description="Where the node keeps its files.")
    bind: str = Field(default="127.0.0.1:8000", description="HOST:PORT the web server listens on.")
    signing_key_path: Path | None = Field(
        default=None, description="Ed25519 private key (PEM); default <data_dir>/signing-key.pem."
    )
    max_body_bytes: int = Field(
        default=32 * 1024 * 1024, gt=0, description="Largest request body accepted (413 above)."
    )
    default_tlp: str = Field(default="amber", description="TLP given to imported objects that carry none.")
    accepted_custom_prefixes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["x-mitre-"],
        description="Third-party custom STIX types accepted on import, by prefix.",
    )
    login_max_failures: int = Field(
        default=5, gt=0, description="Failed logins per user and address before a lock-out."
    )
    login_window_seconds: int = Field(default=300, gt=0, description="Window and lock-out length for failed logins.")
    sync_interval_seconds: float = Field(
        default=0, ge=0, description="While serving, pull from partners this often (0: off); partners are notified."
    )
    secure_cookies: bool = Field(default=False, description="Mark cookies Secure (set true behind HTTPS).")
    public_url: str = Field(
        default="", description="The node's address as people reach it, for links in e-mails; default http://BIND."
    )
    notify_interval_seconds: float = Field(
        default=15, ge=0, description="While serving, send pending e-mails and webhooks this often (0: off)."
    )
    smtp_host: str = Field(default="", description="SMTP server for notice e-mails; empty: no e-mail is sent.")
    smtp_port: int = Field(default=587, gt=0, lt=65536, description="SMTP server port.")
    smtp_tls: Literal["none", "starttls", "implicit"] = Field(
        default="starttls", description="SMTP transport security: none, starttls or implicit (SMTPS)."
    )
    smtp_username: str = Field(default="", description="SMTP login; empty: no login.")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="SMTP password.")
    smtp_sender: str = Field(default="", description="The From address of notice e-mails.")
    smtp_timeout_seconds: float = Field(default=10, gt=0, description="How long one SMTP exchange may take.")
    webhook_timeout_seconds: float = Field(default=5, gt=0, description="How long one webhook POST may take.")
    webhook_max_attempts: int = Field(
        default=6, gt=0, le=20, description="Tries per webhook delivery (backoff doubles from 30 s) before it fails."
    )
    ais_feeds: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description='Live AIS sources kept open while serving, as JSON {"name": "tcp://HOST:PORT" | '
        '"udp://HOST:PORT" | "file:///PATH"}; empty: none (see docs/ais-feed.md).',
    )

    @field_validator("ais_feeds", mode="before")
    @classmethod
    def _feeds_from_json(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValueError(f'not JSON ({exc}); give an object such as {{"gpsd-1": "tcp://HOST:PORT"}}') from None
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ValueError('give a JSON object of names to source addresses, such as {"gpsd-1": "tcp://HOST:PORT"}')
        return value

    @field_validator("ais_feeds")
    @classmethod
    def _feeds_are_sources(cls, value: dict[str, str]) -> dict[str, str]:
        for name, url in value.items():
            problem = ais_feed_problem(name, url)
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("nation")
    @classmethod
    def _nation_is_alpha3(cls, value: str) -> str:
        value = value.strip().upper()
        if not _ALPHA3.match(value):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 code such as IND or MYS")
        return value

    @field_validator("partnership")
    @classmethod
    def _partnership_is_a_pair(cls, value: list[str]) -> list[str]:
        value = [code.strip().upper() for code in value]
        bad = [code for code in value if not _ALPHA3.match(code)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not an ISO 3166-1 alpha-3 code")
        if len(set(value)) != 2:
            raise ValueError(f"a partnership is two different nations, not {', '.join(value) or 'none'}")
        return value

    @model_validator(mode="after")
    def _nation_is_in_the_partnership(self) -> Settings:
        """Name the variable the person set: MITRA_NATION against the default pair, else MITRA_PARTNERSHIP too."""
        if self.nation in self.partnership:
            return self
        pair = " and ".join(self.partnership)
        if "partnership" in self.model_fields_set:
            raise ValueError(
                f"MITRA_PARTNERSHIP: {','.join(self.partnership)} does not include this node's nation "
                f"{self.nation} (MITRA_NATION); name it there, or set MITRA_NATION to {' or '.join(self.partnership)}"
            )
        raise ValueError(
            f"MITRA_NATION: {self.nation} is not a nation of the partnership ({pair}, the default of "
            f"MITRA_PARTNERSHIP); set MITRA_NATION to {' or '.join(self.partnership)}, "
            "or MITRA_PARTNERSHIP to the pair this node belongs to"
        )

    @field_validator("agencies", "accepted_custom_prefixes", "partnership", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("agencies")
    @classmethod
    def _agencies_are_codes(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one agency code is needed")
        for code in value:
            if not _AGENCY.match(code):
                raise ValueError(f"{code!r} is not an agency code (letters, digits, . _ -)")
        return value

    @field_validator("bind")
    @classmethod
    def _bind_is_host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not HOST:PORT")
        return value

    @field_validator("default_tlp")
    @classmethod
    def _tlp_is_known(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {"clear", "green", "amber", "amber+strict", "red"}:
            raise ValueError(f"{value!r} is not a TLP 2.0 level")
        return value

    @field_validator("smtp_tls", mode="before")
    @classmethod
    def _tls_lowercase(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _smtp_has_sender(self) -> Settings:
        if self.smtp_host and "@" not in self.smtp_sender:
            raise ValueError(
                f"MITRA_SMTP_SENDER: {self.smtp_sender!r} is not an e-mail address; "
                "e-mail is on (MITRA_SMTP_HOST is set) and needs a From address such as mitra@example.org"
            )
        return self

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// address")
        return value

    @property
    def link_base(self) -> str:
        """Where links in e-mails point: ``public_url``, else this node's bind address."""
        return self.public_url or f"http://{self.bind}"

    @field_validator("database_url")
    @classmethod
    def _database_is_supported(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError(f"{value.split(':', maxsplit=1)[0]!r}: only sqlite and postgresql are supported")
        return value

    @property
    def partners(self) -> tuple[str, ...]:
        """The partnership's other nation(s): where this node's objects may be released."""
        return tuple(code for code in self.partnership if code != self.nation)

    @property
    def host(self) -> str:
        return self.bind.rpartition(":")[0]

    @property
    def port(self) -> int:
        return int(self.bind.rpartition(":")[2])

    @property
    def effective_database_url(self) -> str:
        if self.database_url.startswith("postgresql://"):
            return "postgresql+psycopg://" + self.database_url.removeprefix("postgresql://")
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'mitra.sqlite3').as_posix()}"

    @property
    def effective_signing_key_path(self) -> Path:
        return self.signing_key_path or self.data_dir / "signing-key.pem"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise :class:`SettingsError` naming each bad one."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            if error["loc"]:
                message = f"MITRA_{str(error['loc'][0]).upper()}: {message}"
            problems.append(message)  # a check across settings names them itself
        raise SettingsError("; ".join(problems)) from None
