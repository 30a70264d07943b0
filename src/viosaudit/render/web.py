"""ReportView -> one self-contained HTML report (``web.html``): page 1, then every finding in a table a
reader sorts, filters and searches, each with its evidence lines, and each server's VIOS and client paths.

No network: CSS and the script are inline, the data is one JSON block the script turns into rows (the
file stays small at 1,000 VIOS: no per-finding markup), and a Content-Security-Policy allows nothing but
that one script (by its SHA-256), inline styles and data: images.

Sized for 1,000 VIOS: every open finding (failed, unknown, risk accepted) carries its texts and its
evidence lines (the first ``MAX_EVIDENCE_REFS`` references with lines, ``MAX_EVIDENCE_LINES`` each, every
line once in the string table); a passed check is one compact row (its texts and evidence are in the
workbook and the evidence zip). The block is encoded by msgspec, not pretty-printed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec
from jinja2 import TemplateError
from markupsafe import Markup

from viosaudit import tool_version
from viosaudit.errors import RenderError, SnapshotError
from viosaudit.render.env import make_env
from viosaudit.render.site import Site, load_site
from viosaudit.render.view import FindingRow, ReportView
from viosaudit.render.wording import finding_status, words
from viosaudit.rules.base import Severity, Verdict
from viosaudit.snapshot import Snapshot

TEMPLATE = "web.html"
SCRIPT = "web.js"
MAX_EVIDENCE_LINES = 12  # lines shown per evidence reference (the evidence zip has the whole file)
MAX_EVIDENCE_REFS = 12  # references shown per finding, with their lines (the rest are counted)
MAX_LINE = 240
PASSED_NOTE = "Passed check: its facts and evidence are in the workbook and the evidence zip."
_REF = re.compile(r"^(?P<file>.+):(?P<first>\d+)-(?P<last>\d+)$")


def csp(script: str) -> str:
    """The page's policy: nothing from anywhere; this one script by hash; inline styles; data: images."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


FIELDS = ("k", "r", "a", "t", "sv", "sr", "st", "m", "s", "l", "b", "x", "rm", "ac", "f", "p", "e", "rf", "n")


_SEVERITY = {s: (words(s), str(s.rank)) for s in Severity}  # computed once: 43,000 rows at 1,000 VIOS
_STATUS = {(v, a): finding_status(v, a) for v in Verdict for a in (False, True)}


def is_open(f: FindingRow) -> bool:
    """A finding the reader must act on or see the evidence of: failed, unknown, or risk accepted."""
    return f.verdict is not Verdict.PASS or f.accepted


def shown_refs(f: FindingRow) -> list[str]:
    """The finding's first ``MAX_EVIDENCE_REFS`` evidence references, and how many more there are."""
    refs = list(f.evidence[:MAX_EVIDENCE_REFS])
    if len(f.evidence) > MAX_EVIDENCE_REFS:
        refs.append(f"... {len(f.evidence) - MAX_EVIDENCE_REFS} more references in the evidence zip")
    return refs


def finding_record(f: FindingRow) -> tuple[Any, ...]:
    """One finding for the script, in ``FIELDS`` order, every value text. A passed finding is its row
    only; its texts and evidence are in the workbook and the evidence zip (at 1,000 VIOS, 30,000 passed
    checks with their 120,000 evidence references would otherwise be four fifths of the file)."""
    full = is_open(f)
    severity, rank = _SEVERITY[f.severity]
    return (
        f.key,
        f.rule_id,
        f.apar,
        f.title,
        severity,
        rank,
        _STATUS[f.verdict, f.accepted],
        f.managed_system,
        f.subject,
        f.likelihood,
        f.business if full else "",
        f.technical if full else "",
        f.remediation if full else "",
        f.acceptance or f.acceptance_expired,
        [f"{name}: {value}" for name, value in f.facts if value] if full else [],
        [f"{svc.partition}: {svc.service} ({words(svc.criticality)})" for svc in f.services] if full else [],
        shown_refs(f) if full else [],
        list(f.references) if full else [],
        "" if full else PASSED_NOTE,
    )


class Strings:
    """A string table: every text once, referred to by its index (rule ids, server names, remediation
    and evidence references repeat thousands of times at 1,000 VIOS). The script unpacks it on load."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def add(self, value: str) -> int:
        return self.index.setdefault(value, len(self.index))

    def pack(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.index.setdefault(value, len(self.index))
        if isinstance(value, list | tuple):
            return [self.pack(v) for v in value]
        if isinstance(value, dict):
            return {k: self.pack(v) for k, v in value.items()}
        raise TypeError(f"cannot pack {type(value).__name__}: the web data holds text, lists and dicts only")

    def pack_rows(self, rows: Iterable[Sequence[str | Sequence[str]]]) -> list[list[Any]]:
        """``pack`` for flat rows of texts and lists of texts (the findings): the hot path at 1,000 VIOS."""
        index = self.index
        out = []
        for row in rows:
            packed: list[Any] = []
            for value in row:
                if isinstance(value, str):
                    packed.append(index.setdefault(value, len(index)))
                else:
                    packed.append([index.setdefault(v, len(index)) for v in value])
            out.append(packed)
        return out

    @property
    def table(self) -> list[str]:
        return list(self.index)


def evidence_lines(snapshot: Snapshot, refs: Iterable[str]) -> dict[str, list[str]]:
    """The captured lines each evidence reference ("captures/h/c.txt:3-5") points at, capped; each
    capture file read once. A reference to a file the snapshot does not hold gets no lines."""
    captures = {c.file: c for c in snapshot.manifest.captures}
    texts: dict[str, list[str] | None] = {}
    out: dict[str, list[str]] = {}
    for ref in sorted(set(refs)):
        match = _REF.match(ref)
        if match is None or match["file"] not in captures:
            continue
        name = match["file"]
        if name not in texts:
            try:
                texts[name] = snapshot.read(captures[name]).splitlines()
            except SnapshotError:
                texts[name] = None
        lines = texts[name]
        if lines is None:
            continue
        first, last = int(match["first"]), int(match["last"])
        shown = lines[first - 1 : min(last, first - 1 + MAX_EVIDENCE_LINES)]
        cut = [line if len(line) <= MAX_LINE else line[:MAX_LINE] + " ..." for line in shown]
        if last - first + 1 > MAX_EVIDENCE_LINES:
            cut.append(f"... {last - first + 1 - MAX_EVIDENCE_LINES} more lines in the evidence zip")
        out[ref] = cut
    return out


def web_data(view: ReportView, snapshot: Snapshot | None) -> dict[str, Any]:
    """Everything the script shows: findings, evidence lines, servers with their VIOS and clients."""
    findings = view.findings
    inv = view.inventory
    vios_by_system: dict[str, list[list[Any]]] = {}
    for v in inv.vios:
        vios_by_system.setdefault(v.managed_system, []).append(
            [v.name, v.state, v.level, v.ifixes, words(v.status), v.data, str(v.clients_served)]
        )
    clients_by_system: dict[str, list[list[Any]]] = {}
    for c in inv.clients:
        clients_by_system.setdefault(c.managed_system, []).append(
            [c.name, c.state, c.redundancy, c.service, "\n".join(c.paths)]  # one row, its path summary
        )
    strings = Strings()
    packed_findings = strings.pack_rows(finding_record(f) for f in findings)
    shown = (r for f in findings if is_open(f) for r in f.evidence[:MAX_EVIDENCE_REFS])
    lines = evidence_lines(snapshot, shown) if snapshot else {}
    return {
        "fields": list(FIELDS),
        "findings": packed_findings,
        # [reference, [line, ...]] pairs: the reference by its index in the string table, like the lines
        "evidence": [[strings.add(ref), [strings.add(line) for line in cut]] for ref, cut in lines.items()],
        "systems": strings.pack(
            [
                {
                    "n": s.name,
                    "sn": s.serial,
                    "tm": s.type_model,
                    "d": words(s.design),
                    "st": words(s.status),
                    "v": vios_by_system.get(s.name, []),
                    "c": clients_by_system.get(s.name, []),
                }
                for s in inv.systems
            ]
        ),
        "strings": strings.table,
    }


def data_json(data: dict[str, Any]) -> Markup:
    """The data block as compact JSON, safe inside ``<script>``: ``<``, ``>``, ``&`` and ``'`` occur only
    inside JSON strings, where their ``\\u`` escapes mean the same (what Jinja's ``tojson`` does)."""
    raw = msgspec.json.encode(data)
    for char, escape in ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"), (b"'", b"\\u0027")):
        raw = raw.replace(char, escape)
    return Markup(raw.decode("utf-8"))  # escaped above: never markup


def render_web(
    view: ReportView, snapshot: Snapshot | None = None, *, user_dir: Path | None = None, site: Site | None = None
) -> str:
    """The HTML report as one string."""
    env = make_env(user_dir)
    try:
        script = env.get_template(SCRIPT).render()
        return env.get_template(TEMPLATE).render(
            view=view,
            site=site or load_site(user_dir),
            tool_version=tool_version(),
            data_json=data_json(web_data(view, snapshot)),
            csp=csp(script),
        )
    except TemplateError as exc:
        hint = f"; check the site templates in {user_dir}" if user_dir else ""
        raise RenderError(f"cannot render {TEMPLATE}: {exc}{hint}") from exc


def write_web(
    view: ReportView, snapshot: Snapshot | None, out: Path, *, user_dir: Path | None = None, site: Site | None = None
) -> Path:
    """Write the HTML report to ``out`` and return it."""
    html = render_web(view, snapshot, user_dir=user_dir, site=site)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"cannot write the HTML report {out}: {exc.strerror or exc}") from exc
    return out
