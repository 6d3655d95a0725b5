"""E-mail through the SMTP server of the settings (stdlib smtplib): landlord messages only.

Errors are raised as MailError with the SMTP code or the exception's class, never the address or
the text, so that what reaches the logs names nobody.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from outreach.settings import Settings


class MailError(Exception):
    """The server refused or could not be reached; the message says which, without content."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    reply_to: str | None = None


def mail_enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_from)


def send_mail(settings: Settings, mail: Mail, *, timeout: float = 20.0) -> str:
    """Send one plain-text e-mail; return its Message-ID."""
    if not mail_enabled(settings):
        raise MailError("SMTP not configured (ALLERVERS_SMTP_HOST, ALLERVERS_SMTP_FROM)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message.set_content(mail.body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as server:
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            server.send_message(message)
    except smtplib.SMTPResponseException as error:
        raise MailError(f"SMTP error {error.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"SMTP failure: {type(error).__name__}") from None
    return str(message["Message-ID"])
