"""Sending e-mail through the configured SMTP server (standard library only).

The transport is looked up in ``app.extensions["partnership_mail"]`` when set (tests put a fake one
there); otherwise :class:`SmtpTransport` reads ``MAIL_*`` settings (``CRM_MAIL_SERVER`` …).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from flask import current_app


class MailError(RuntimeError):
    """The mail server is not configured or refused the message."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Transport(Protocol):
    def send(self, messages: Sequence[Message]) -> None: ...


class SmtpTransport:
    """One SMTP connection per batch; STARTTLS or implicit TLS as configured."""

    def __init__(
        self,
        *,
        server: str,
        port: int,
        username: str | None,
        password: str | None,
        use_tls: bool,
        use_ssl: bool,
        sender: str,
        timeout: float = 20,
    ) -> None:
        self.server, self.port = server, port
        self.username, self.password = username, password
        self.use_tls, self.use_ssl = use_tls, use_ssl
        self.sender, self.timeout = sender, timeout

    def _email(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=True)
        email["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        email.set_content(message.body)
        return email

    def send(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        context = ssl.create_default_context()
        try:
            if self.use_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.server, self.port, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
            with smtp:
                if self.use_tls and not self.use_ssl:
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self.password or "")
                for message in messages:
                    smtp.send_message(self._email(message))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"mail server {self.server}:{self.port}: {exc}") from exc


def transport() -> Transport:
    """The configured transport.

    :raises MailError: when no ``MAIL_SERVER`` or ``MAIL_SENDER`` is configured.
    """
    fake = current_app.extensions.get("partnership_mail")
    if fake is not None:
        return fake  # type: ignore[no-any-return]
    config = current_app.config
    server = config.get("MAIL_SERVER")
    sender = config.get("MAIL_SENDER")
    if not server or not sender:
        raise MailError("set CRM_MAIL_SERVER and CRM_MAIL_SENDER to send e-mail")
    use_ssl = bool(config.get("MAIL_USE_SSL", False))
    return SmtpTransport(
        server=str(server),
        port=int(config.get("MAIL_PORT") or (465 if use_ssl else 587)),
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        use_tls=bool(config.get("MAIL_USE_TLS", True)),
        use_ssl=use_ssl,
        sender=str(sender),
    )
