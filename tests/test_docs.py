"""The guides hang together: every link from the README and between the guides, and
every screenshot a guide shows, exists (the browser tests make the screenshots)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDES = [
    "aan-de-slag.md",
    "handleiding-medewerker.md",
    "handleiding-beheerder.md",
    "installatie.md",
    "api.md",
]


def test_the_readme_links_every_guide():
    readme = (ROOT / "README.md").read_text()
    for guide in GUIDES:
        assert f"(docs/{guide})" in readme, guide
        assert (ROOT / "docs" / guide).is_file(), guide


def test_every_image_and_link_in_the_guides_exists():
    for guide in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+)\)", guide.read_text()):
            if target.startswith("http"):
                continue
            assert (guide.parent / target).is_file(), (guide.name, target)
