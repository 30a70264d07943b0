"""Evidence per change: ``<report folder>/changes/<change id>/``, scoped to what the change touches.

Contents::

    change.json              the before state: VIOS levels and interim fixes, every client path the change
                             touches (per disk, NPIV port set and VLAN, with the VIOS carrying it), the
                             findings it closes and every open finding on its system (``changes.before``)
    findings.json            the findings the change closes, as the rules wrote them
    record/servicenow.json   the change_request draft for the Table API
    record/servicenow.csv    the same for an import set
    record/change.md         the same as Markdown (Jira, Remedy, e-mail)
    captures/...             the raw captures of its system's VIOS and HMC views and every capture its
                             findings cite, byte for byte as in the snapshot
    captures.json            each copied capture's manifest entry (host, command, times, exit status, the
                             SHA-256 recorded at collection) and whether the copy still matches it
    versions.json            tool version, catalogue and lifecycle files (path, SHA-256), snapshot id
    MANIFEST.sha256          SHA-256 of every file above (``sha256sum -c MANIFEST.sha256``)

``viosaudit verify-change`` later adds ``after/`` with its own manifest.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from viosaudit import __version__
from viosaudit.changes.before import CHANGE_JSON, before_state, to_json
from viosaudit.changes.manifest import SHA_MANIFEST, manifest_text, sha256
from viosaudit.errors import RenderError, SnapshotError
from viosaudit.files import FolderBusy, folder_lock, private_dir, staging_dir, write_private
from viosaudit.jsonable import to_jsonable
from viosaudit.plan import Plan, ProposedChange
from viosaudit.records import draft, to_csv, to_markdown
from viosaudit.records import to_json as record_json
from viosaudit.render.view import ChangeRow, ReportView
from viosaudit.rules.base import Finding, RuleContext
from viosaudit.snapshot import Capture, Snapshot

CHANGES_DIR = "changes"
AFTER_DIR = "after"  # written by verify-change
PACKAGED = "viosaudit/"


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def file_version(path: str) -> dict[str, str | None]:
    """A data file by path and SHA-256 (None when it cannot be read: shown, not guessed); the shipped
    files are named ``viosaudit/...`` and read from the installed package."""
    try:
        if not Path(path).is_file() and path.startswith(PACKAGED):
            return {
                "path": path,
                "sha256": sha256(resources.files("viosaudit").joinpath(path[len(PACKAGED) :]).read_bytes()),
            }
        return {"path": path, "sha256": sha256(Path(path).read_bytes())}
    except OSError:
        return {"path": path, "sha256": None}


def scoped_captures(snapshot: Snapshot, system: str, hosts: set[str], cited: set[str]) -> tuple[Capture, ...]:
    """The captures of the change's VIOS, its system's HMC views and every capture its findings cite."""
    return tuple(
        c
        for c in snapshot.manifest.captures
        if c.file in cited
        or c.host in hosts
        or (c.managed_system == system and (c.partition in hosts or c.role.value == "hmc"))
    )


def copy_captures(files: dict[str, bytes], snapshot: Snapshot, captures: Sequence[Capture], prefix: str) -> list[Any]:
    """Add each capture's bytes under ``prefix``; one entry per capture saying whether it still matches."""
    entries = []
    for c in captures:
        entry: dict[str, Any] = {
            "file": f"{prefix}{c.file}", "host": c.host, "command": c.command, "command_id": c.command_id,
            "managed_system": c.managed_system, "partition": c.partition, "started": c.started, "ended": c.ended,
            "exit_status": c.exit_status, "sha256_at_collection": c.sha256,
        }  # fmt: skip
        try:
            data = snapshot.read_bytes(c)
        except SnapshotError as exc:
            entry.update(matches_collection=False, problem=str(exc))
        else:
            files[f"{prefix}{c.file}"] = data
            entry.update(matches_collection=sha256(data) == c.sha256, problem=None)
        entries.append(entry)
    return entries


def change_files(
    plan: Plan, ch: ProposedChange, row: ChangeRow, view: ReportView, snapshot: Snapshot,
    findings: tuple[Finding, ...], ctx: RuleContext, assignment_group: str,
) -> dict[str, bytes]:  # fmt: skip
    """Every file of one change's evidence folder, by its path in the folder (the manifest excepted)."""
    record = draft(row, view, assignment_group=assignment_group)
    before = before_state(
        plan, ch, findings, change_key=row.change_key, title=row.title, fixes=(*row.fixes, *row.also),
        generated_at=view.generated_at,
    )  # fmt: skip
    hosts = {s.vios.name for s in ch.steps} | {v.name for v in ch.partners}
    cited = {ref.capture for f in ch.findings for ref in f.evidence}
    files: dict[str, bytes] = {
        CHANGE_JSON: json_bytes(to_json(before)),
        "findings.json": json_bytes(to_jsonable(list(ch.findings))),
        "record/servicenow.json": record_json(record),
        "record/servicenow.csv": to_csv(record),
        "record/change.md": to_markdown(record).encode("utf-8"),
    }
    entries = copy_captures(files, snapshot, scoped_captures(snapshot, ch.system.name, hosts, cited), "")
    files["captures.json"] = json_bytes(entries)
    files["versions.json"] = json_bytes(
        {
            "tool": f"viosaudit {__version__}",
            "catalogue": file_version(ctx.catalogue.path),
            "lifecycle": file_version(ctx.lifecycle.path),
            "snapshot_id": view.snapshot_id,
            "captured_at": view.captured_at,
            "generated_at": view.generated_at,
        }
    )
    return files


def write_folder(folder: Path, files: Mapping[str, bytes], *, carry: str | None = None) -> Path:
    """Write ``files`` and their ``MANIFEST.sha256`` into a fresh ``folder`` (0700/0600), replacing an
    older one only once the new one is whole; ``carry`` names a subfolder of the old one to keep."""
    parent = private_dir(folder.parent)
    staging = staging_dir(parent)
    try:
        for name, data in {**files, SHA_MANIFEST: manifest_text(files)}.items():
            path = staging / name
            private_dir(path.parent)
            write_private(path, data)
        if carry and (folder / carry).is_dir():
            (folder / carry).replace(staging / carry)
        old = parent / f".{folder.name}.old.part"
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.replace(old)
        staging.replace(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _same_change(folder: Path, new: bytes) -> bool:
    """Whether ``folder`` holds the same change of the same snapshot (re-run into one report folder): its
    after half, verified against the same before state, is then kept."""
    try:
        old = json.loads((folder / CHANGE_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    mine = json.loads(new)
    return bool(old.get("change_key") == mine["change_key"] and old.get("snapshot_id") == mine["snapshot_id"])


def _drop_stale(changes: Path, current: set[str]) -> None:
    """Remove change folders of an earlier run into this report folder that this run did not propose,
    unless they carry an after half (evidence of work done: never deleted)."""
    for folder in changes.iterdir() if changes.is_dir() else ():
        stale = folder.is_dir() and folder.name.startswith("PROP-") and folder.name not in current
        if stale and not (folder / AFTER_DIR).exists():
            shutil.rmtree(folder, ignore_errors=True)


def write_change_evidence(
    plan: Plan, view: ReportView, snapshot: Snapshot, findings: tuple[Finding, ...], out_dir: Path,
    ctx: RuleContext, *, assignment_group: str = "",
) -> tuple[Path, ...]:  # fmt: skip
    """One evidence folder per proposed change under ``out_dir/changes/``; returns them in change order."""
    rows = {r.change_id: r for r in view.changes}
    written = []
    try:
        private_dir(out_dir)
        with folder_lock(out_dir):
            for ch in plan.changes:
                files = change_files(plan, ch, rows[ch.change_id], view, snapshot, findings, ctx, assignment_group)
                folder = out_dir / CHANGES_DIR / ch.change_id
                same = _same_change(folder, files[CHANGE_JSON])
                written.append(write_folder(folder, files, carry=AFTER_DIR if same else None))
            _drop_stale(out_dir / CHANGES_DIR, {p.name for p in written})
    except FolderBusy as exc:
        raise RenderError(f"{out_dir}: {exc.strerror}; wait for it to finish or choose another --out") from None
    except OSError as exc:
        raise RenderError(f"cannot write the change evidence into {out_dir}: {exc.strerror or exc}") from exc
    return tuple(written)
