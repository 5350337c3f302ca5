"""docs/api.md: every bash block of the guide, run in order with curl against the live app."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", GUIDE.read_text(), re.S)


def test_every_curl_example_in_the_api_guide_works(live, tmp_path):
    for tool in ("curl", "openssl", "python3"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is needed for the guide's examples (.ci/run installs it)")
    blocks = _blocks()
    assert len(blocks) >= 7, "the guide lost its examples"
    script = "set -euo pipefail\n" + "\n".join(blocks)
    env = {
        **os.environ,
        "BASIS": live.url,
        "INTAKE_HMAC_SECRET": live.app.config["INTAKE_HMAC_SECRET"],
    }
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    assert "zaken; Zaken" in out  # the count and the Dutch list title
    assert re.search(r"^(GRANT|INVESTIGATE|REJECT)$", out, re.M)  # the advice code
    assert "Id;Zaaknummer;Soort;Status" in out  # the CSV header, as the case list names it
    assert "404" in out and '"fouten"' in out
    assert re.search(r'"zaak_id": ?\d+', out) and '"status"' in out  # the intake answer
