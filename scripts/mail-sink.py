#!/usr/bin/env python3
"""The local mail sink for `make run`: an SMTP server on 127.0.0.1 that keeps every message.

Each message is written to .data/mail/<timestamp>-<recipient>.eml and announced on stdout with
its subject, so the magic links, codes and verification links the suite sends can be read there.
"""
import argparse
import asyncio
import email
import email.policy
import pathlib
import re
import time

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        recipient = re.sub(r"[^A-Za-z0-9@._+-]", "_", envelope.rcpt_tos[0] if envelope.rcpt_tos else "unknown")
        path = self.folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}-{recipient}.eml"
        path.write_bytes(envelope.original_content)
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['subject']} -> {path}", flush=True)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--folder", required=True)
    arguments = parser.parse_args()
    folder = pathlib.Path(arguments.folder)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=arguments.port)
    controller.start()
    print(f"mail sink listening on 127.0.0.1:{arguments.port}, saving to {folder}", flush=True)
    try:
        asyncio.new_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
