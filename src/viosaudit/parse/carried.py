"""Output carried by other tools: split per host, drop prompts and banners, and say what was dropped.

A capture pasted from a terminal or saved by a sweep tool holds more than the command's output. This
step runs before any parser (``viosaudit parse``, ``viosaudit import`` of a folder), never inside one:

* ``host: line`` prefixes, as ``xdsh``, ``dsh`` and ``pdsh`` print them (every non-blank line carries
  one; ``host:`` alone is a blank output line), and Ansible ad-hoc sections (``host | CHANGED | rc=0
  >>`` followed by that host's output; the ``rc`` is kept) split the text per host;
* prompt lines (``$ lsmap -all``, ``padmin@vios1:/home/padmin$ ioslevel``, ``hscroot@hmc1:~> lshmc -V``,
  ``# emgr -l`` for a command viosaudit knows) are dropped, and the command typed on them is kept: it
  names the parser;
* login and logout banners before the first or after the last output line (``Last login: ...``,
  ``Connection to hmc1 closed.``, an AIX ``*...*`` message-of-the-day box, ``logout``) are dropped;
* Windows (CRLF) line ends are read as plain line ends.

Every dropped line is returned in ``dropped`` with its line number and why, for the caller to report.
Line numbers of each part map back to the file (``Part.original_line``).

Example::

    vios1: 3.1.4.10
    vios2: 3.1.3.21

yields two parts: ``Part(host='vios1', text='3.1.4.10\\n', ...)`` and ``Part(host='vios2', ...)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from viosaudit.commands import identify
from viosaudit.errors import ViosauditError

_DSH = re.compile(r"^(?P<host>[A-Za-z0-9][\w.\-]*):(?: (?P<rest>.*))?$")
_ANSIBLE = re.compile(r"^(?P<host>\S+) \| (?P<status>[A-Z]+!?) \| rc=(?P<rc>-?\d+) >>\s*$")
_PROMPTS = (
    re.compile(r"^\$(?: (?P<cmd>.*))?$"),
    re.compile(r"^[\w.\-]+@[\w.\-]+(?::[^\s$#>]*)?[$#>](?: (?P<cmd>.*))?$"),
)
_ROOT_PROMPT = re.compile(r"^# (?P<cmd>\S.*)$")
_BANNERS = (
    re.compile(r"^Last (successful )?login:"),
    re.compile(r"^(Shared )?[Cc]onnection to \S+ closed\.?$"),
    re.compile(r"^Warning: Permanently added "),
    re.compile(r"^Pseudo-terminal will not be allocated"),
    re.compile(r"^(logout|exit)$"),
    re.compile(r"^\*.*\*$"),
)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A line that was not part of the command's output, and why it was left out."""

    line_no: int
    line: str
    why: str


@dataclass(frozen=True, slots=True)
class Part:
    """The output of one host: its text (``\\n`` line ends) and where each line was in the file."""

    host: str | None
    text: str
    line_numbers: tuple[int, ...]
    command: str | None = None
    exit_status: int | None = None

    def original_line(self, line_no: int) -> int:
        """The file's line number for line ``line_no`` (1-based) of this part; 0 stays 0."""
        if 1 <= line_no <= len(self.line_numbers):
            return self.line_numbers[line_no - 1]
        return line_no


@dataclass(frozen=True, slots=True)
class Carried:
    parts: tuple[Part, ...]
    dropped: tuple[Dropped, ...]
    crlf: bool = False


def unwrap(text: str) -> Carried:
    """Split ``text`` into the output of each host it carries, dropping prompts and banners."""
    crlf = "\r\n" in text
    lines = [(no, line.rstrip("\r")) for no, line in enumerate(text.split("\n"), start=1)]
    if lines and lines[-1][1] == "":
        lines.pop()  # the final line end
    dropped: list[Dropped] = []
    sections = _ansible(lines) or _dsh(lines, dropped) or [(None, None, lines)]
    parts = []
    for host, rc, body in sections:
        command, kept = _prompts_and_banners(body, dropped)
        parts.append(
            Part(
                host=host,
                text="".join(line + "\n" for _, line in kept),
                line_numbers=tuple(no for no, _ in kept),
                command=command,
                exit_status=rc,
            )
        )
    return Carried(tuple(parts), tuple(sorted(dropped, key=lambda d: d.line_no)), crlf)


def _ansible(lines: list[tuple[int, str]]) -> list[tuple[str | None, int | None, list[tuple[int, str]]]]:
    """Ansible ad-hoc output: ``host | STATUS | rc=N >>`` opens each host's section."""
    if not any(_ANSIBLE.match(line) for _, line in lines):
        return []
    sections: list[tuple[str | None, int | None, list[tuple[int, str]]]] = []
    for no, line in lines:
        head = _ANSIBLE.match(line)
        if head:
            sections.append((head["host"], int(head["rc"]), []))
        elif sections:
            sections[-1][2].append((no, line))
        else:
            sections.append((None, None, [(no, line)]))  # text before the first section: banners only
    return sections


def _dsh(
    lines: list[tuple[int, str]], dropped: list[Dropped]
) -> list[tuple[str | None, int | None, list[tuple[int, str]]]]:
    """``host: line`` on every non-blank line (banners and prompts aside): one section per host, in
    first-seen order. The prompt then shows the sweep tool's own command line, so it names no parser."""
    content = [(no, line) for no, line in lines if line.strip() and not _banner(line) and _prompt(line) is None]
    if not content or not all(_DSH.match(line) for _, line in content):
        return []
    by_host: dict[str, list[tuple[int, str]]] = {}
    for no, line in lines:
        match = _DSH.match(line)
        if match is None:
            if line.strip():
                dropped.append(Dropped(no, line, "banner" if _prompt(line) is None else "prompt line"))
            continue
        by_host.setdefault(match["host"], []).append((no, match["rest"] or ""))
    return [(host, None, body) for host, body in by_host.items()]


def _banner(line: str) -> bool:
    return any(p.match(line.strip()) for p in _BANNERS)


def _prompt(line: str) -> str | None:
    """The command typed on a prompt line ('' for a bare prompt), or None if it is not a prompt."""
    for pattern in _PROMPTS:
        match = pattern.match(line.strip())
        if match:
            return (match["cmd"] or "").strip()
    root = _ROOT_PROMPT.match(line.strip())
    if root:
        try:
            identify(root["cmd"])
        except ViosauditError:
            return None
        return root["cmd"].strip()
    return None


def _prompts_and_banners(
    body: list[tuple[int, str]], dropped: list[Dropped]
) -> tuple[str | None, list[tuple[int, str]]]:
    """Drop prompt lines anywhere and banner lines before the first / after the last output line."""
    command: str | None = None
    kept: list[tuple[int, str]] = []
    for no, line in body:
        typed = _prompt(line)
        if typed is not None:
            dropped.append(Dropped(no, line, "prompt line"))
            if typed and command is None:
                command = typed
            elif typed and typed != command:
                raise ViosauditError(
                    f"line {no}: a second command ({typed!r} after {command!r}); save one command's output per file"
                )
            continue
        kept.append((no, line))
    start = 0
    while start < len(kept) and (not kept[start][1].strip() or _banner(kept[start][1])):
        start += 1
    end = len(kept)
    while end > start and (not kept[end - 1][1].strip() or _banner(kept[end - 1][1])):
        end -= 1
    for no, line in kept[:start] + kept[end:]:
        if line.strip():
            dropped.append(Dropped(no, line, "banner"))
    return command, kept[start:end]
