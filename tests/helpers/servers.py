"""`edumap serve --https` as a real server process the tests can stop and start again on the
same port and certificate (an office server out of reach, then back)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

SERVE = (sys.executable, "-m", "app.cli", "serve", "--https")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class HttpsServer:
    """One worker over TLS with a self-signed certificate written for the trial in
    ``tls_dir``; the coverage refresher off (tests refresh when they need to)."""

    def __init__(self, database_url: str, tls_dir: Path) -> None:
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.cert = tls_dir / "office.crt"
        self.key = tls_dir / "office.key"
        self.env = {
            **os.environ,
            "EDUMAP_DATABASE_URL": database_url,
            "EDUMAP_TLS_CERT": str(self.cert),
            "EDUMAP_TLS_KEY": str(self.key),
            "EDUMAP_COVERAGE_REFRESH_SECONDS": "0",
        }
        self.log = tls_dir.parent / "server.log"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*SERVE, "--port", str(self.port), "--workers", "1"],
            env=self.env,
            # A file, not a pipe nobody reads: a full pipe would stall the server's logging.
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                output = self.log.read_text()
                raise AssertionError(f"edumap serve --https stopped: {output}")
            assert time.monotonic() < deadline, "edumap serve --https did not start"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None
