"""ExaBGP API process for the lab: copy command lines from a FIFO to ExaBGP.

ExaBGP runs this (see exabgp.conf.in) with the FIFO's path as argument and
reads API commands from our stdout. Tests write one command per line into the
FIFO; each line is forwarded as is. ExaBGP's answers ("done"/"error", when
acks are on) arrive on our stdin and are appended to the log file given as
second argument, if any; when stdin closes ExaBGP is gone and we exit.
"""

import os
import stat
import sys
import threading


def drain(log_path):
    """Consume ExaBGP's answers so that its pipe to us never fills up."""
    with open(log_path or os.devnull, "a", buffering=1) as log:
        log.writelines(sys.stdin)
    os._exit(0)


def main():
    fifo = sys.argv[1]
    log_path = sys.argv[2] if len(sys.argv) > 2 else None
    try:
        if not stat.S_ISFIFO(os.stat(fifo).st_mode):
            sys.exit(f"{fifo} exists and is not a FIFO")
    except FileNotFoundError:
        os.mkfifo(fifo, 0o660)
    threading.Thread(target=drain, args=(log_path,), daemon=True).start()
    # Opened read-write: we are then a writer too, so the FIFO never reports
    # end-of-file when a test closes its end, and writers never block.
    fd = os.open(fifo, os.O_RDWR)
    with os.fdopen(fd, "rb", buffering=0) as commands:
        pending = b""
        while True:
            chunk = commands.read(4096)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                line = line.strip()
                if line:
                    sys.stdout.write(line.decode() + "\n")
                    sys.stdout.flush()


if __name__ == "__main__":
    main()
