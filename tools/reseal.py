"""Refresh the SHA-256 of every capture in a hand-edited test estate (tests/estates/<name>).

Usage: python tools/reseal.py tests/estates/<name> [...]
Only for test estates that people edit on purpose; a real snapshot is never resealed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from viosaudit.snapshot import MANIFEST, sha256_file


def reseal(root: Path) -> int:
    path = root / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for entry in manifest["captures"]:
        digest = sha256_file(root / entry["file"])
        if digest != entry["sha256"]:
            entry["sha256"] = digest
            changed += 1
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


if __name__ == "__main__":
    for folder in sys.argv[1:]:
        print(f"{folder}: {reseal(Path(folder))} capture(s) resealed")
