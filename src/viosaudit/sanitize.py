"""The secret filter: a table of patterns applied to everything before it is written or shown.

Known secrets (the SSH password in use) are replaced wherever they appear, in text and in raw command
output; the patterns below catch secrets we were never told about (``password=...``, a private key
block, ``user:password@`` in a URL). Rules are data: add a row, with why it exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "********"


@dataclass(frozen=True, slots=True)
class Rule:
    """One secret shape: the pattern, what replaces it, and why the rule exists."""

    name: str
    pattern: str
    replacement: str
    why: str
    in_output: bool = True
    needs: tuple[str, ...] = ()  # the pattern cannot match unless the lower-cased text holds one of these


RULES: tuple[Rule, ...] = (
    Rule(
        "assignment",
        r"(?i)\b(password|passwd|passphrase|pwd|secret|token)(\s*=\s*)(\"[^\"]*\"|'[^']*'|[^\s,;]+)",
        r"\1\2" + MASK,
        "key=value settings printed by tools and error messages",
        needs=("password", "passwd", "passphrase", "pwd", "secret", "token"),
    ),
    Rule(
        "colon_assignment",
        r"(?i)\b(password|passwd|passphrase|secret)(\s*:\s+)(\S+)",
        r"\1\2" + MASK,
        "'Password: x' in messages; not applied to raw output, where ':' separates fields (lslpp -Lc)",
        in_output=False,
        needs=("password", "passwd", "passphrase", "secret"),
    ),
    Rule(
        "url_credentials",
        r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+):[^\s@/]+@",
        r"\1:" + MASK + "@",
        "user:password@host in URLs (NFS, FTP, proxies)",
        needs=("://",),
    ),
    Rule(
        "private_key",
        r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----" + MASK + "-----END PRIVATE KEY-----",
        "a private key pasted into output or an error",
        needs=("private key-----",),
    ),
)


class Sanitizer:
    """Masks known secrets and secret-shaped text; the one filter between collection and the disk."""

    def __init__(self, secrets: Iterable[str] = (), rules: Iterable[Rule] = RULES) -> None:
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))
        self._rules = tuple(rules)
        self._text = [(re.compile(r.pattern, re.DOTALL), r.replacement, r.needs) for r in self._rules]
        self._bytes = [
            (re.compile(r.pattern.encode(), re.DOTALL), r.replacement.encode(), tuple(n.encode() for n in r.needs))
            for r in self._rules
            if r.in_output
        ]

    def text(self, value: str) -> str:
        """The text with every secret masked."""
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        # A cheap scan first (most text holds no keyword); only for ASCII text, as (?i) also folds
        # non-ASCII letters such as the long s or the Kelvin sign onto ASCII ones.
        lower = value.lower() if value.isascii() else None
        for pattern, replacement, needs in self._text:
            if lower is None or not needs or any(n in lower for n in needs):
                value = pattern.sub(replacement, value)
        return value

    def data(self, value: bytes) -> tuple[bytes, int]:
        """Raw output with secrets masked, and how many replacements were made (0: bytes untouched)."""
        count = 0
        for secret in self._secrets:
            for encoded in {secret.encode("utf-8"), secret.encode("latin-1", errors="ignore")}:
                if encoded and encoded in value:
                    count += value.count(encoded)
                    value = value.replace(encoded, MASK.encode())
        lower = value.lower()  # ASCII case folding, as the patterns' (?i) does for bytes
        for pattern, replacement, needs in self._bytes:
            if needs and not any(n in lower for n in needs):  # a cheap scan first: most output holds none
                continue
            value, n = pattern.subn(replacement, value)
            count += n
        return value, count
