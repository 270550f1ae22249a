"""Real receivers on loopback for the delivery tests: an SMTP server (aiosmtpd) and HTTP webhook receivers."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server accepted: each message with its envelope recipients."""

    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.original_content)))
        return "250 Message accepted"


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, for the TLS modes."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "smtp-cert.pem", tmp / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@contextmanager
def smtp_server(
    port: int, *, tls: str = "none", cert: tuple[Path, Path] | None = None, login: tuple[str, str] | None = None
) -> Iterator[Mailbox]:
    """An aiosmtpd server on 127.0.0.1:``port``; ``tls`` "starttls" or "implicit" with ``cert``."""
    mailbox = Mailbox()
    kwargs: dict[str, Any] = {}
    if cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
        kwargs["tls_context" if tls == "starttls" else "ssl_context"] = context
        if tls == "starttls":
            kwargs["require_starttls"] = True
        else:  # aiosmtpd counts only STARTTLS as TLS for AUTH; on implicit TLS the whole connection is
            kwargs["auth_require_tls"] = False
    if login is not None:

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == login
            if ok:
                mailbox.logins.append(data.login.decode())
            return AuthResult(success=ok)

        kwargs |= {"authenticator": authenticate, "auth_required": True}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1", **kwargs)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Hook:
    """A webhook receiver's record: each request's body and signature header, and what it answers."""

    answers: list[int]
    hang: float = 0.0
    bodies: list[bytes] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}/hook"


@contextmanager
def webhook_receiver(hook: Hook) -> Iterator[str]:
    """An HTTP server on loopback, in a thread: answers ``hook.answers`` in turn (the last one after), or hangs."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            hook.bodies.append(self.rfile.read(length))
            hook.signatures.append(self.headers.get("X-Mitra-Signature", ""))
            if hook.hang:
                hook.release.wait(hook.hang)
            status = hook.answers.pop(0) if len(hook.answers) > 1 else hook.answers[0]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook.url(server.server_address[1])
    finally:
        hook.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
