"""Running the ``edumap`` command line as a real process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys


def edumap(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDUMAP_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
