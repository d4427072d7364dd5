"""The OGC's own conformance tests for OGC API - Features Part 1 Core (`ogctests`, run from its
own virtual environment, installed by scripts/test from tests/ogctests.lock) against /ogc on a
live server: every test passes."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OGCTESTS = ROOT / ".venv-ogctests" / "bin" / "python"


def test_ogctests_part_1_core_passes(live_url: str, tmp_path: Path) -> None:
    assert OGCTESTS.exists(), "ogctests is not installed: scripts/test installs it"
    run = subprocess.run(
        [str(OGCTESTS), "-m", "ogctests", "features/core", "-i", f"{live_url}/ogc"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,  # its pytest's cache and reports stay out of the checkout
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-500:]
    assert run.returncode == 0, run.stdout[-3000:]
    assert "failed" not in summary and "error" not in summary and " passed" in summary, summary
