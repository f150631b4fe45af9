"""A minimal SMTP sink on loopback for the lab IRRd's notification mails.

IRRd sends a mail for some submissions (for instance to the maintainer's upd-to after a
failed authentication) and, in its HTTP submission API, turns a refused SMTP connection
into a server error. This sink accepts every mail and appends it to a file, so tests get
IRRd's real answers and can read the notifications.

Usage: python3 mail_sink.py HOST PORT MAILBOX_FILE
"""

import asyncio
import sys
from datetime import UTC, datetime

MAX_LINE = 1 << 20


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, mailbox: str) -> None:
    def reply(line: str) -> None:
        writer.write(line.encode() + b"\r\n")

    sender, recipients = "", []
    reply("220 routesec-lab mail sink")
    try:
        while True:
            await writer.drain()
            raw = await asyncio.wait_for(reader.readline(), timeout=60)
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("HELO", "EHLO"):
                reply("250 routesec-lab")
            elif verb == "MAIL":
                sender, recipients = line[10:].strip(), []
                reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line[8:].strip())
                reply("250 OK")
            elif verb == "DATA":
                reply("354 end with <CRLF>.<CRLF>")
                await writer.drain()
                body = []
                while True:
                    data = await asyncio.wait_for(reader.readline(), timeout=60)
                    if not data or data.rstrip(b"\r\n") == b".":
                        break
                    if data.startswith(b".."):
                        data = data[1:]
                    body.append(data.decode("utf-8", "replace").rstrip("\r\n"))
                stamp = datetime.now(UTC).isoformat(timespec="seconds")
                with open(mailbox, "a", encoding="utf-8") as box:  # noqa: ASYNC230 - a few lab mails
                    box.write(f"From {sender} {stamp}\nX-Lab-Recipients: {', '.join(recipients)}\n")
                    box.write("\n".join(body) + "\n\n")
                reply("250 OK: delivered to the lab mailbox")
            elif verb == "QUIT":
                reply("221 bye")
                break
            elif verb in ("RSET", "NOOP"):
                reply("250 OK")
            else:
                reply("502 command not implemented")
        await writer.drain()
    except (TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    host, port, mailbox = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, mailbox), host, port, limit=MAX_LINE, reuse_address=True
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
