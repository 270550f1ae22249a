"""Notice e-mails through SMTP (``MITRA_SMTP_*``), with the standard library's ``smtplib`` and ``email``."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from mitra.settings import Settings


class Mailer(Protocol):
    """Sends one message; raises ``OSError`` / ``smtplib.SMTPException`` when it cannot."""

    def send(self, *, to: str, subject: str, text: str) -> None: ...


class SmtpMailer:
    """One SMTP connection a message, as the settings say: none, STARTTLS or implicit TLS; login if given."""

    def __init__(self, settings: Settings, *, context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.context = context or ssl.create_default_context()

    @property
    def enabled(self) -> bool:
        return bool(self.settings.smtp_host)

    def message(self, *, to: str, subject: str, text: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.smtp_sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self.settings.smtp_sender.rpartition("@")[2] or None)
        message.set_content(text)
        return message

    def send(self, *, to: str, subject: str, text: str) -> None:
        s = self.settings
        timeout = s.smtp_timeout_seconds
        smtp: smtplib.SMTP
        if s.smtp_tls == "implicit":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=timeout, context=self.context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout)
        with smtp:
            if s.smtp_tls == "starttls":
                smtp.starttls(context=self.context)  # refuses (SMTPNotSupportedError) if the server cannot
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            smtp.send_message(self.message(to=to, subject=subject, text=text))
