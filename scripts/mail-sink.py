#!/usr/bin/env python3
"""A local SMTP server (aiosmtpd) that keeps every message: the mail sink of `make run` and the
real peer the SMTP client's tests talk to.

Each message is written to <folder>/<timestamp>-<recipient>.eml with a sidecar .json holding the
envelope (MAIL FROM, RCPT TO), what the session negotiated (TLS, authenticated user) and the
message as Python's email package decodes it, and is announced on stdout with its links. The first line printed is always `listening on 127.0.0.1:<port>`, so a
caller that asked for --port 0 learns the port it got.

Options make it behave like the servers a client meets in production: STARTTLS offered or
required, AUTH PLAIN/LOGIN required, a recipient refused with a chosen reply code.
"""
import argparse
import asyncio
import email
import email.policy
import json
import pathlib
import os
import re
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Keep:
    def __init__(self, folder: pathlib.Path, refusals: dict[str, str], pipelining=False, drop_every=0, close_after=0):
        self.folder = folder
        self.refusals = refusals
        self.pipelining = pipelining
        self.drop_every = drop_every
        self.close_after = close_after
        self.received = 0
        self.per_session = {}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            # aiosmtpd reads commands one by one from its buffer, so pipelined ones just work.
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        if self.drop_every and self.received % self.drop_every == 0:
            # A server that dies mid-stream: the whole message arrived, no reply, connection gone.
            server.transport.close()
            return "421 4.3.0 going away"
        count = self.per_session[id(session)] = self.per_session.get(id(session), 0) + 1
        if self.close_after and count >= self.close_after:
            # A server that drops idle or busy clients after a reply: the next command finds it closed.
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        # Cut to fit a file name (255 bytes): an address may be 254 characters, and readers match
        # on the sidecar's rcpt_tos, not on the name.
        recipient = re.sub(r"[^A-Za-z0-9@._+-]", "_", envelope.rcpt_tos[0] if envelope.rcpt_tos else "unknown")[:120]
        # One clock reading (two could straddle a second and sort a later mail first) and the
        # arrival count, so names sort in the order messages arrived.
        now = time.time_ns()
        stamp = time.strftime('%Y%m%dT%H%M%S', time.gmtime(now // 10**9))
        stem = f"{stamp}-{now % 10**9:09d}-{self.received:06d}-{recipient}"
        (self.folder / f"{stem}.json").write_text(json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated_as": session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data,
            # Which connection carried it (client address and port): shows connections reused.
            "peer": f"{session.peer[0]}:{session.peer[1]}" if session.peer else None,
            # Decoded by Python's own email package: an independent reading of what was sent.
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "date": str(message["date"]),
            "text": part_text(message, "plain"),
            "html": part_text(message, "html"),
            "headers": {key.lower(): str(value) for key, value in message.items()},
        }))
        # Written last: a reader that sees the .eml also finds its .json.
        (self.folder / f"{stem}.eml").write_bytes(envelope.original_content)
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['subject']} -> {self.folder / stem}.eml", flush=True)
        # The links (verification, reset, magic link) as a reader would click them.
        for link in re.findall(r"https?://\S+", part_text(message, "plain") or ""):
            print(f"  link: {link}", flush=True)
        return "250 Message accepted for delivery"


def part_text(message, subtype):
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    return part.get_content().replace("\r\n", "\n")


class Credentials:
    def __init__(self, username: str, password: str):
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login == self.username and auth_data.password == self.password:
            return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)


async def serve(arguments):
    folder = pathlib.Path(arguments.folder)
    folder.mkdir(parents=True, exist_ok=True)
    refusals = dict(item.split("=", 1) for item in arguments.refuse)
    handler = Keep(folder, refusals, arguments.pipelining, arguments.drop_every, arguments.close_after)
    tls_context = None
    if arguments.tls_cert or arguments.implicit_tls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
    authenticator = None
    if arguments.auth:
        username, password = arguments.auth.split(":", 1)
        authenticator = Credentials(username, password)

    def protocol():
        return SMTP(
            handler,
            hostname="tract-mail-sink",
            tls_context=None if arguments.implicit_tls else tls_context,
            require_starttls=arguments.require_starttls,
            authenticator=authenticator,
            auth_required=authenticator is not None,
            auth_require_tls=arguments.require_starttls,
            auth_exclude_mechanism=arguments.auth_exclude,
        )

    loop = asyncio.get_running_loop()
    # A parent may have left SIGTERM blocked or ignored (both survive exec); stop on it regardless.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    loop.add_signal_handler(signal.SIGTERM, lambda: os._exit(0))
    if arguments.exit_with_stdin:
        # Dies with the test process that started it, even if that one was killed.
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    server = await loop.create_server(
        protocol, "127.0.0.1", arguments.port, ssl=tls_context if arguments.implicit_tls else None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{port}, saving to {folder}", flush=True)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=1025, help="0 picks a free port")
    parser.add_argument("--folder", required=True)
    parser.add_argument("--tls-cert", help="offer STARTTLS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--require-starttls", action="store_true", help="refuse MAIL and AUTH before STARTTLS")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (port 465 style)")
    parser.add_argument("--auth-exclude", action="append", default=[], metavar="MECHANISM",
                        help="do not offer this AUTH mechanism (e.g. PLAIN)")
    parser.add_argument("--auth", help="require AUTH PLAIN/LOGIN as USER:PASSWORD")
    parser.add_argument("--exit-with-stdin", action="store_true", help="exit when standard input closes")
    parser.add_argument("--refuse", action="append", default=[], metavar="ADDRESS=REPLY",
                        help='answer RCPT TO:<ADDRESS> with REPLY, e.g. "full@example.com=452 4.2.2 Mailbox full"')
    parser.add_argument("--pipelining", action="store_true", help="advertise PIPELINING (RFC 2920) in the EHLO reply")
    parser.add_argument("--drop-every", type=int, default=0, metavar="N",
                        help="close the connection instead of answering every Nth message's data (not kept)")
    parser.add_argument("--close-after", type=int, default=0, metavar="N",
                        help="close a connection just after answering its Nth message")
    try:
        asyncio.run(serve(parser.parse_args()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
