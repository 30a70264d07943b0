"""SHA-256 manifests of evidence, and checking them: ``viosaudit evidence verify DIR|ZIP``.

A change folder carries ``MANIFEST.sha256`` (``sha256sum -c`` reads it) for its "before" half and
``after/MANIFEST.sha256`` for the "after" half written by ``verify-change``; the whole-report evidence zip
carries one ``MANIFEST.sha256`` at its root. Checking says, file by file, what changed, what is missing
and what was added since the manifest was written.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SHA_MANIFEST = "MANIFEST.sha256"
IGNORED = frozenset({".viosaudit.lock"})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(files: Mapping[str, bytes]) -> bytes:
    """``<sha256>  <path>`` per file, sorted by path (the format ``sha256sum -c`` checks)."""
    return "".join(f"{sha256(files[name])}  {name}\n" for name in sorted(files)).encode("utf-8")


class Unreadable(Exception):
    """The evidence cannot be read at all (no manifest, a broken zip, a bad manifest line)."""


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of checking one evidence folder or zip against its manifest(s)."""

    where: str
    checked: int
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    manifests: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added)

    def lines(self) -> list[str]:
        if self.ok:
            return [f"{self.where}: ok, {self.checked} files match {', '.join(self.manifests)}"]
        out = [f"{self.where}: does NOT match its manifest ({', '.join(self.manifests)})"]
        out += [f"  changed: {p} (its SHA-256 differs from the manifest)" for p in self.changed]
        out += [f"  missing: {p} (listed in the manifest, not present)" for p in self.missing]
        out += [f"  added:   {p} (present, listed in no manifest)" for p in self.added]
        return out


def parse_manifest(text: str, where: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or not name:
            raise Unreadable(f"{where}, line {number}: expected '<sha256>  <path>', got {line[:80]!r}")
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise Unreadable(f"{where}, line {number}: unsafe path {name!r}")
        entries[name] = digest
    return entries


def _compare(where: str, files: Mapping[str, bytes], manifests: Iterable[str]) -> Check:
    """Every ``MANIFEST.sha256`` among ``files`` covers the files under its own folder."""
    expected: dict[str, str] = {}
    names = sorted(manifests)
    if not names:
        raise Unreadable(f"{where}: no {SHA_MANIFEST}: this is not viosaudit evidence, or its manifest is gone")
    for manifest in names:
        base = PurePosixPath(manifest).parent
        try:
            text = files[manifest].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unreadable(f"{where}: {manifest} is not UTF-8 text ({exc})") from None
        for name, digest in parse_manifest(text, f"{where}/{manifest}").items():
            expected[str(base / name) if str(base) != "." else name] = digest
    covered = set(expected) | set(names)
    changed = tuple(n for n, d in sorted(expected.items()) if n in files and sha256(files[n]) != d)
    missing = tuple(n for n in sorted(expected) if n not in files)
    added = tuple(n for n in sorted(files) if n not in covered)
    return Check(where, len(expected), changed, missing, added, tuple(names))


def _folder_files(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name not in IGNORED and not path.name.endswith(".part"):
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def verify(path: Path) -> Check:
    """Check a change evidence folder, or an evidence zip, against every manifest in it."""
    try:
        if path.is_dir():
            files = _folder_files(path)
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                files = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
        elif path.exists():
            raise Unreadable(f"{path}: neither a folder nor a zip archive")
        else:
            raise Unreadable(f"{path}: no such file or folder")
    except (OSError, zipfile.BadZipFile) as exc:
        raise Unreadable(f"{path}: cannot read it: {exc}") from None
    manifests = [n for n in files if PurePosixPath(n).name == SHA_MANIFEST]
    return _compare(str(path), files, manifests)
