"""A real SMTP server for tests (aiosmtpd), collecting what it receives."""

from __future__ import annotations

import email
import socket
from collections.abc import Callable
from email.message import Message as EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: every DATA becomes a parsed email in `messages`.

    `refuse_recipients` answers every RCPT with a temporary refusal (a full mailbox);
    `on_data` runs after an email is kept and before the server answers 250.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_recipients = False
        self.on_data: Callable[[EmailMessage], None] | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipients:
            return "450 4.2.2 Mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(envelope.content, policy=default)
        self.messages.append(mail)
        if self.on_data is not None:
            self.on_data(mail)
        return "250 OK"


class SmtpServer:
    """Start and stop a local SMTP server on a fixed port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None
