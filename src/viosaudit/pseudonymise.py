"""``--pseudonymise``: the same reports with every site name, serial, WWPN, MAC and IP address replaced.

Done once, on the data, before anything is written: the estate, the rule findings, the report view and
a rewritten copy of the snapshot (captures and manifest) go through one ``Pseudonymiser``, so every
output made from them (PDF, HTML, workbook, JSON, CSV, evidence zip, the printed summary) carries the
same token for the same name. The rules ran on the real data first, so verdicts are those of the
unpseudonymised run; levels, interim fixes and verdicts are kept.

What is replaced:
* names read from the estate and the snapshot manifest: managed systems, serials, HMCs, VIOS and
  client partitions, every host a capture or gap names (and an FQDN's domain);
* anywhere in any text: WWPNs (16 hex digits, PVIDs starting 00 kept), MAC addresses (12 hex digits,
  or six pairs with : or -) and IPv4 addresses, except dotted numbers the estate, the APAR catalogue
  or the lifecycle data know as a level.

Tokens are keyed HMAC-SHA256 of the original under a per-site secret (``viosaudit-pseudonym.key``,
0600, created on first use beside the report folders): the same site gets the same tokens run after
run, so reports stay comparable, while nobody without the key can confirm a guessed name by hashing it
(plain hashes of names like ``prod-db01`` are easy to brute-force). The map token -> original is written
0600 to ``pseudonym-map.json`` in the report folder, never into the evidence zip.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import fields, is_dataclass, replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from viosaudit.errors import ConfigError, SnapshotError
from viosaudit.files import private_dir, write_private
from viosaudit.model import Estate, Level
from viosaudit.snapshot import MANIFEST, Snapshot, open_snapshot

KEY_NAME = "viosaudit-pseudonym.key"
MAP_NAME = "pseudonym-map.json"
MAP_FORMAT = "viosaudit-pseudonym-map/1"
KIND_ORDER = ("system", "serial", "hmc", "vios", "partition", "host", "domain")
PREFIX = {"system": "sys-", "hmc": "hmc-", "vios": "vios-", "partition": "lpar-", "host": "host-"}
MANIFEST_NAME_KEYS = {"host": "host", "via": "hmc", "managed_system": "system", "partition": "vios"}
PLACEHOLDERS = frozenset(("null", "none", "n/a"))  # values HMC output prints where a name is absent
KEEP_KEYS = {"sha256", "format", "command_id", "command_ids", "role", "started", "ended", "created"}

T = TypeVar("T")

_HEX = "0-9A-Fa-f"
WWPN = re.compile(
    rf"(?<![0-9A-Za-z:])(?:[{_HEX}]{{2}}:){{7}}[{_HEX}]{{2}}(?![0-9A-Za-z:])"
    rf"|(?<![0-9A-Za-z])(?!00)[{_HEX}]{{16}}(?![0-9A-Za-z])"
)
MAC = re.compile(
    rf"(?<![0-9A-Za-z:-])(?:[{_HEX}]{{2}}([:-]))(?:[{_HEX}]{{2}}\1){{4}}[{_HEX}]{{2}}(?![0-9A-Za-z:-])"
    rf"|(?<![0-9A-Za-z])[{_HEX}]{{12}}(?![0-9A-Za-z])"
)
IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])")
RUN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")  # a word that may hold names joined by . and -
NAME_CHARS = re.compile(r"[A-Za-z0-9_.\-]+")
DOTTED = re.compile(r"\d+(?:\.\d+){3}")


def load_key(path: Path) -> bytes:
    """The site's pseudonym key: read, or made (32 random bytes, hex, 0600) on first use."""
    if path.is_file():
        text = path.read_text(encoding="ascii", errors="replace").strip()
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise ConfigError(f"{path}: not a viosaudit pseudonym key (64 hex digits); move it away to make a new one")
        return bytes.fromhex(text)
    private_dir(path.parent)
    text = secrets.token_hex(32)
    write_private(path, (text + "\n").encode("ascii"))
    return bytes.fromhex(text)


def _manifest_names(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(kind, name) for every host, HMC, system and partition a manifest (as JSON) names."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _manifest_names(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _manifest_names(v, key)
    elif isinstance(value, str) and key in MANIFEST_NAME_KEYS:
        yield MANIFEST_NAME_KEYS[key], value


def estate_names(estate: Estate) -> Iterator[tuple[str, str]]:
    """(kind, name) for every name and serial of the estate model."""
    for s in estate.systems:
        yield "system", s.name
        yield "serial", s.serial
        for hmc in s.hmcs:
            yield "hmc", hmc
    for v in estate.vioses:
        yield "vios", v.name
        yield "system", v.managed_system
        yield "serial", v.key.serial
    for c in estate.clients:
        yield "partition", c.name
        yield "system", c.managed_system
        yield "serial", c.key.serial
    for g in estate.gaps:
        yield "host", g.host
        if g.managed_system:
            yield "system", g.managed_system
        if g.partition:
            yield "vios", g.partition


def known_levels(*sources: Any) -> set[str]:
    """Dotted numbers the estate, the catalogue or the lifecycle data know as levels: they look like IPv4
    addresses (6.1.9.200) and are kept. Walks any frozen records, tuples, dicts and strings."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = list(sources)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.update(DOTTED.findall(value))
        elif isinstance(value, Level):
            found.add(".".join(map(str, value.parts)))
        elif value is None or isinstance(value, Enum | bool | int | float | date) or id(value) in seen:
            continue
        elif isinstance(value, tuple | list | frozenset | set):
            seen.add(id(value))
            stack.extend(value)
        elif isinstance(value, dict):
            seen.add(id(value))
            stack.extend(value.values())
        elif is_dataclass(value) and not isinstance(value, type):
            seen.add(id(value))
            stack.extend(getattr(value, f.name) for f in fields(value))
    return found


class Pseudonymiser:
    """Rewrites text and whole frozen records, with one token per original (case-insensitive)."""

    def __init__(self, key: bytes, names: Iterable[tuple[str, str]], keep: Iterable[str] = ()) -> None:
        self._key = key
        self._tokens: dict[str, str] = {}  # lower-case original -> token
        self._originals: dict[str, tuple[str, str]] = {}  # token -> (kind, original)
        self._keep = set(keep)
        self._cache: dict[str, str] = {}
        order = {kind: n for n, kind in enumerate(KIND_ORDER)}
        unique = {(kind, name) for kind, name in names if self._worth_hiding(name)}
        for kind, name in sorted(unique, key=lambda kn: (order[kn[0]], kn[1].lower())):
            self._name(kind, name)
        odd = sorted((n for n in self._tokens if not NAME_CHARS.fullmatch(n)), key=len, reverse=True)
        self._odd = re.compile("|".join(rf"(?<![\w.-]){re.escape(n)}(?![\w-])" for n in odd), re.I) if odd else None

    @staticmethod
    def _worth_hiding(name: str) -> bool:
        return len(name) >= 3 and not name.isdigit() and name.lower() not in PLACEHOLDERS

    def _digest(self, kind: str, original: str, attempt: int) -> str:
        message = f"{kind}\0{original.lower()}\0{attempt}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def _token(self, kind: str, original: str, make: Any) -> str:
        known = self._tokens.get(original.lower())
        if known is not None:
            return known
        attempt = 0
        while True:
            token: str = make(self._digest(kind, original, attempt))
            if token not in self._originals and token.lower() not in self._tokens:
                break
            attempt += 1
        self._tokens[original.lower()] = token
        self._originals[token] = (kind, original)
        return token

    def _name(self, kind: str, name: str) -> None:
        if kind == "serial":
            self._token(kind, name, lambda h: "SN" + h[:5].upper())
            return
        if "." in name and not IPV4.fullmatch(name):  # an FQDN: its short name and its domain too
            short, domain = name.split(".", 1)
            if self._worth_hiding(short):
                self._name(kind, short)
            self._token("domain", domain, lambda h: f"d{h[:8]}.example")
        if kind == "domain":
            self._token(kind, name, lambda h: f"d{h[:8]}.example")
            return
        self._token(kind, name, lambda h: PREFIX.get(kind, "host-") + h[:8])

    # ------------------------------------------------------------ text

    def _wwpn(self, m: re.Match[str]) -> str:
        raw = m.group(0)
        token = self._token("wwpn", raw.replace(":", ""), lambda h: "c0507600" + h[:8])
        if ":" in raw:
            token = ":".join(token[i : i + 2] for i in range(0, 16, 2))
        return token.upper() if raw.isupper() else token

    def _mac(self, m: re.Match[str]) -> str:
        raw = m.group(0)
        sep = m.group(1) or ""
        token = self._token("mac", re.sub("[:-]", "", raw), lambda h: "02" + h[:10])
        if sep:
            token = sep.join(token[i : i + 2] for i in range(0, 12, 2))
        return token.upper() if raw.upper() == raw else token

    def _ip(self, m: re.Match[str]) -> str:
        raw = m.group(0)
        if raw in self._keep or raw.startswith(("0.", "255.", "127.")):
            return raw
        return self._token("ip", raw, lambda h: "10." + ".".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4)))

    def _run(self, m: re.Match[str]) -> str:
        run = m.group(0)
        whole = self._tokens.get(run.lower())
        if whole is not None:
            return whole
        starts = [0] + [i + 1 for i, ch in enumerate(run) if ch in ".-"]
        ends = [i for i, ch in enumerate(run) if ch in ".-"] + [len(run)]
        out: list[str] = []
        pos = 0
        for n, start in enumerate(starts):
            if start < pos:
                continue
            for end in reversed(ends[n:]):  # longest name first
                token = self._tokens.get(run[start:end].lower())
                if token is not None:
                    out += [run[pos:start], token]
                    pos = end
                    break
        return "".join(out) + run[pos:] if out else run

    def text(self, value: str) -> str:
        """``value`` with every known name and every WWPN, MAC and IP address replaced by its token."""
        cached = self._cache.get(value)
        if cached is not None:
            return cached
        text = WWPN.sub(self._wwpn, value)
        text = MAC.sub(self._mac, text)
        text = IPV4.sub(self._ip, text)
        if self._odd is not None:
            text = self._odd.sub(lambda m: self._tokens[m.group(0).lower()], text)
        text = RUN.sub(self._run, text)
        if len(value) < 200:
            self._cache[value] = text
        return text

    def rewrite(self, value: T) -> T:
        """A copy of ``value`` (frozen dataclasses, tuples, lists, dicts, sets) with every string rewritten."""
        return self._rewrite(value)  # type: ignore[no-any-return]

    def _rewrite(self, value: Any) -> Any:
        if value is None or isinstance(value, Enum | bool | int | float | date):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, tuple):
            return tuple(self._rewrite(v) for v in value)
        if isinstance(value, list):
            return [self._rewrite(v) for v in value]
        if isinstance(value, frozenset | set):
            return type(value)(self._rewrite(v) for v in value)
        if isinstance(value, dict):
            return {self._rewrite(k): self._rewrite(v) for k, v in value.items()}
        if is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self._rewrite(getattr(value, f.name)) for f in fields(value) if f.init}
            return replace(value, **changes)
        return value

    # ------------------------------------------------------------ snapshot and map

    def _manifest(self, value: Any, key: str = "") -> Any:
        if key in KEEP_KEYS:
            return value
        if isinstance(value, dict):
            return {k: self._manifest(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._manifest(v, key) for v in value]
        return self._rewrite(value)

    def snapshot_copy(self, snapshot: Snapshot, into: Path) -> Snapshot:
        """A rewritten copy of the snapshot in ``into`` (private): captures, paths and manifest.

        A capture's recorded SHA-256 is replaced by that of its rewritten bytes only when the original
        still matched it: a capture changed after collection stays reported as changed.
        """
        private_dir(into)
        doc = json.loads((snapshot.root / MANIFEST).read_text(encoding="utf-8"))
        by_file = {c.file: c for c in snapshot.manifest.captures}
        for entry in doc.get("captures", []):
            capture = by_file[entry["file"]]
            try:
                data = snapshot.read_bytes(capture)
            except SnapshotError:  # missing or unreadable: the copy lacks it too, and the reports say so
                continue
            rewritten = self.text(data.decode("utf-8", errors="surrogateescape")).encode("utf-8", "surrogateescape")
            path = into / self.text(capture.file)
            private_dir(path.parent)
            write_private(path, rewritten)
            if hashlib.sha256(data).hexdigest() == capture.sha256:
                entry["sha256"] = hashlib.sha256(rewritten).hexdigest()
        write_private(into / MANIFEST, (json.dumps(self._manifest(doc), indent=2) + "\n").encode("utf-8"))
        return open_snapshot(into)

    def map_json(self) -> bytes:
        """The token map (token -> kind and original), sorted by kind then token."""
        order = {kind: n for n, kind in enumerate((*KIND_ORDER, "wwpn", "mac", "ip"))}
        items = sorted(self._originals.items(), key=lambda kv: (order[kv[1][0]], kv[0]))
        doc = {
            "format": MAP_FORMAT,
            "note": "token -> original; keep this file private (0600); never send it with the reports",
            "tokens": {token: {"kind": kind, "original": original} for token, (kind, original) in items},
        }
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def pseudonymiser_for(estate: Estate, snapshot: Snapshot, key: bytes, *data: Any) -> Pseudonymiser:
    """The pseudonymiser of one run: names from the estate model and the snapshot manifest; the levels
    of the estate and of ``data`` (the catalogue and lifecycle data the rules used) are kept."""
    doc = json.loads((snapshot.root / MANIFEST).read_text(encoding="utf-8"))
    names = [*estate_names(estate), *_manifest_names(doc)]
    return Pseudonymiser(key, names, keep=known_levels(estate, *data))
