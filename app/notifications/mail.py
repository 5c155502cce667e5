"""The mail port: where digest messages go. A real embedded default, not a mock (DESIGN.md 9):

* ``outbox`` (default): each message is written as an ``.eml`` file into ``MAIL_OUTBOX_DIR``
  (default ``instance/outbox``), which any mail client opens; development and tests read it;
* ``smtp``: sent through ``SMTP_HOST``:``SMTP_PORT`` (STARTTLS with ``SMTP_STARTTLS``, login
  with ``SMTP_USER``/``SMTP_PASSWORD``), from ``MAIL_FROM``.
"""
from __future__ import annotations

import smtplib
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path


@dataclass
class Message:
    to: str
    subject: str
    text: str
    html: str
    headers: dict = field(default_factory=dict)

    def build(self, sender: str) -> EmailMessage:
        # Long lines allowed (RFC 5322's 998): a List-Unsubscribe URL must not be folded into
        # encoded words, which mail clients would not read as a URL.
        msg = EmailMessage(policy=SMTP.clone(max_line_length=998))
        msg["From"], msg["To"], msg["Subject"] = sender, self.to, self.subject
        msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="qaforum.local")
        for name, value in self.headers.items():
            msg[name] = value
        msg.set_content(self.text)
        msg.add_alternative(self.html, subtype="html")
        return msg


class OutboxMailer:
    def __init__(self, folder: str | Path, sender: str):
        self.folder, self.sender = Path(folder), sender

    def send(self, message: Message) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message.build(self.sender)))
        tmp.rename(path)  # a reader never sees half a message
        return path


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, *, user: str | None = None, password: str | None = None,
                 starttls: bool = False, timeout: float = 10.0):
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

    def send(self, message: Message) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message.build(self.sender))


def mailer_for(app):
    config = app.config
    sender = config.get("MAIL_FROM") or "forum@localhost"
    if config.get("MAIL_BACKEND", "outbox") == "smtp":
        return SmtpMailer(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), sender,
                          user=config.get("SMTP_USER"), password=config.get("SMTP_PASSWORD"),
                          starttls=bool(config.get("SMTP_STARTTLS")))
    folder = config.get("MAIL_OUTBOX_DIR") or str(Path(app.instance_path) / "outbox")
    return OutboxMailer(folder, sender)
