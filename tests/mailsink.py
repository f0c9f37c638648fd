"""A real SMTP server (aiosmtpd) on a free port, for any test that reads what the platform mailed."""

from __future__ import annotations

import asyncio
import socket
import threading

from aiosmtpd.controller import Controller


class Sink:
    """Keeps every envelope it accepts; refuses each recipient while `refuse` is set. With `hold_after`
    set, each MAIL command once that many were accepted never gets its answer; `held` is set once
    `hold_senders` connections wait so: with every sender waiting there, none has a message half
    accepted, the moment to stop the server mid-run."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse = False
        self.hold_after: int | None = None
        self.hold_senders = 1
        self.held = threading.Event()
        self._holding = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.hold_after is not None and len(self.envelopes) >= self.hold_after:
            self._holding += 1
            if self._holding >= self.hold_senders:
                self.held.set()
            await asyncio.Event().wait()  # until the server stops
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.7.1 Mailbox unavailable (test refusal)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on one port for the test, which can be stopped and started again (an outage).
    `options` go to aiosmtpd's Controller: ssl_context (TLS from the start), tls_context and
    require_starttls (STARTTLS), authenticator and auth_required."""

    def __init__(self, sink: Sink | None = None, **options) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.sink = sink or Sink()
        self.options = options
        self.controller: Controller | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
