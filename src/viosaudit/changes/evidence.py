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

import contextlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from viosaudit import __version__
from viosaudit.changes.before import CHANGE_JSON, SystemIndex, before_state, to_json
from viosaudit.changes.manifest import SHA_MANIFEST, sha256
from viosaudit.errors import RenderError, SnapshotError
from viosaudit.files import DIR_MODE, FILE_MODE, FolderBusy, folder_lock, private_dir, staging_dir
from viosaudit.jsonable import json_bytes, to_jsonable
from viosaudit.plan import Plan, ProposedChange
from viosaudit.records import draft, to_csv, to_markdown
from viosaudit.records import to_json as record_json
from viosaudit.render.view import ChangeRow, ReportView
from viosaudit.rules.base import Finding, RuleContext
from viosaudit.snapshot import Capture, Snapshot

CHANGES_DIR = "changes"
AFTER_DIR = "after"  # written by verify-change
PACKAGED = "viosaudit/"


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


@dataclass(frozen=True, slots=True)
class CaptureIndex:
    """The snapshot's captures by file, host and managed system (positions in manifest order), built
    once for all changes instead of a scan of every capture per change."""

    captures: tuple[Capture, ...]
    by_file: dict[str, list[int]]
    by_host: dict[str, list[int]]
    by_system: dict[str, list[int]]

    @classmethod
    def build(cls, snapshot: Snapshot) -> CaptureIndex:
        captures = tuple(snapshot.manifest.captures)
        by_file: dict[str, list[int]] = {}
        by_host: dict[str, list[int]] = {}
        by_system: dict[str, list[int]] = {}
        for i, c in enumerate(captures):
            by_file.setdefault(c.file, []).append(i)
            by_host.setdefault(c.host, []).append(i)
            if c.managed_system is not None:
                by_system.setdefault(c.managed_system, []).append(i)
        return cls(captures, by_file, by_host, by_system)

    def scoped(self, system: str, hosts: set[str], cited: set[str]) -> tuple[Capture, ...]:
        """What ``scoped_captures`` selects, in the same (manifest) order."""
        caps = self.captures
        chosen = {i for name in cited for i in self.by_file.get(name, ())}
        chosen.update(i for host in hosts for i in self.by_host.get(host, ()))
        chosen.update(
            i for i in self.by_system.get(system, ()) if caps[i].partition in hosts or caps[i].role.value == "hmc"
        )
        return tuple(caps[i] for i in sorted(chosen))


def scoped_captures(
    snapshot: Snapshot, system: str, hosts: set[str], cited: set[str], index: CaptureIndex | None = None
) -> tuple[Capture, ...]:
    """The captures of the change's VIOS, its system's HMC views and every capture its findings cite."""
    if index is not None:
        return index.scoped(system, hosts, cited)
    return tuple(
        c
        for c in snapshot.manifest.captures
        if c.file in cited
        or c.host in hosts
        or (c.managed_system == system and (c.partition in hosts or c.role.value == "hmc"))
    )


def copy_captures(
    files: dict[str, bytes], snapshot: Snapshot, captures: Sequence[Capture], prefix: str,
    digests: dict[str, str] | None = None,
) -> list[Any]:  # fmt: skip
    """Add each capture's bytes under ``prefix``; one entry per capture saying whether it still matches.
    ``digests`` receives each copied file's SHA-256 (hashed once: the manifest reuses it)."""
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
            digest = sha256(data)
            if digests is not None:
                digests[f"{prefix}{c.file}"] = digest
            entry.update(matches_collection=digest == c.sha256, problem=None)
        entries.append(entry)
    return entries


def change_files(
    plan: Plan, ch: ProposedChange, row: ChangeRow, view: ReportView, snapshot: Snapshot,
    findings: tuple[Finding, ...], ctx: RuleContext, assignment_group: str,
    systems: SystemIndex | None = None, captures: CaptureIndex | None = None, digests: dict[str, str] | None = None,
    versions: bytes | None = None,
) -> dict[str, bytes]:  # fmt: skip
    """Every file of one change's evidence folder, by its path in the folder (the manifest excepted);
    the indexes (built once per run) keep the cost per change independent of the estate's size."""
    record = draft(row, view, assignment_group=assignment_group)
    before = before_state(
        plan, ch, findings, change_key=row.change_key, title=row.title, fixes=(*row.fixes, *row.also),
        generated_at=view.generated_at, index=systems,
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
    scoped = scoped_captures(snapshot, ch.system.name, hosts, cited, captures)
    entries = copy_captures(files, snapshot, scoped, "", digests)
    files["captures.json"] = json_bytes(entries)
    files["versions.json"] = versions if versions is not None else versions_json(view, ctx)
    return files


def versions_json(view: ReportView, ctx: RuleContext) -> bytes:
    """``versions.json``: the same for every change of a run (written once, its data files hashed once)."""
    return json_bytes(
        {
            "tool": f"viosaudit {__version__}",
            "catalogue": file_version(ctx.catalogue.path),
            "lifecycle": file_version(ctx.lifecycle.path),
            "snapshot_id": view.snapshot_id,
            "captured_at": view.captured_at,
            "generated_at": view.generated_at,
        }
    )


def _write_new(path: Path, data: bytes) -> None:
    """A new 0600 file in a private staging folder: no temporary name needed, the folder is renamed whole."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask may have masked O_CREAT's mode
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_folder(
    folder: Path, files: Mapping[str, bytes], *, carry: str | None = None, digests: Mapping[str, str] | None = None
) -> Path:
    """Write ``files`` and their ``MANIFEST.sha256`` into a fresh ``folder`` (0700/0600), replacing an
    older one only once the new one is whole; ``carry`` names a subfolder of the old one to keep.
    ``digests`` holds SHA-256s already computed for some of ``files`` (not computed again)."""
    parent = private_dir(folder.parent)
    staging = staging_dir(parent)
    known = digests or {}
    manifest = "".join(f"{known.get(name) or sha256(files[name])}  {name}\n" for name in sorted(files)).encode(
        "utf-8"
    )  # the format of manifest_text
    try:
        made = {""}  # subfolders of staging already created
        for name, data in {**files, SHA_MANIFEST: manifest}.items():
            parts = name.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                sub = "/".join(parts[:depth])
                if sub not in made:
                    (staging / sub).mkdir(DIR_MODE)
                    (staging / sub).chmod(DIR_MODE)  # mkdir's mode is masked by the umask
                    made.add(sub)
            _write_new(staging / name, data)
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
    ctx: RuleContext, *, assignment_group: str = "", locked: bool = False,
) -> tuple[Path, ...]:  # fmt: skip
    """One evidence folder per proposed change under ``out_dir/changes/``; returns them in change order.

    ``locked``: the caller already holds the report folder's lock (``write_reports(meanwhile=...)``)."""
    rows = {r.change_id: r for r in view.changes}
    written = []
    systems = SystemIndex.build(plan, findings) if plan.changes else None
    captures = CaptureIndex.build(snapshot) if plan.changes else None
    versions = versions_json(view, ctx) if plan.changes else None
    try:
        private_dir(out_dir)
        with contextlib.nullcontext() if locked else folder_lock(out_dir):
            for ch in plan.changes:
                digests: dict[str, str] = {}
                files = change_files(
                    plan, ch, rows[ch.change_id], view, snapshot, findings, ctx, assignment_group,
                    systems, captures, digests, versions,
                )  # fmt: skip
                folder = out_dir / CHANGES_DIR / ch.change_id
                same = _same_change(folder, files[CHANGE_JSON])
                written.append(write_folder(folder, files, carry=AFTER_DIR if same else None, digests=digests))
            _drop_stale(out_dir / CHANGES_DIR, {p.name for p in written})
    except FolderBusy as exc:
        raise RenderError(f"{out_dir}: {exc.strerror}; wait for it to finish or choose another --out") from None
    except OSError as exc:
        raise RenderError(f"cannot write the change evidence into {out_dir}: {exc.strerror or exc}") from exc
    return tuple(written)
