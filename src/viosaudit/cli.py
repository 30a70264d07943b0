"""viosaudit command line: a thin layer that wires the stages together.

Exit status (the same for every action):
  0  complete: every expected capture was collected and read
  1  partial: some hosts or commands were not collected or could not be read (see the gaps);
     the reports were still written and show the affected entities as "unknown"
  2  error: bad arguments, or an unreadable snapshot, catalogue or data file, or a snapshot without
     a single capture; one line says which file, line or field and what was expected; nothing was
     judged and no report is left behind
  3  (weekly only) the reports were written and kept, but the e-mail delivery failed
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from viosaudit import tool_version
from viosaudit.commands import identify
from viosaudit.config import add_arguments
from viosaudit.errors import ConfigError, ParseError, ViosauditError
from viosaudit.files import write_private
from viosaudit.jsonable import to_jsonable
from viosaudit.parse import parse_output

if TYPE_CHECKING:
    from viosaudit.collect import CollectResult

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_ERROR = 2


def _cmd_parse(args: argparse.Namespace) -> int:
    """Read one captured output (any form, carried by any tool) and print its records as JSON.

    Every bad input is one line on stderr naming the file, the line and what was expected, and exit 2.
    """
    from viosaudit.commands import BY_ID, unwrap_command
    from viosaudit.errors import HmcError
    from viosaudit.parse.carried import unwrap
    from viosaudit.parse.detect import candidates

    path = Path(args.file)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        return _parse_failed(f"{path}, line {line_no}: byte {exc.start} is not UTF-8; expected the output as text")
    try:
        carried = unwrap(text)
    except ViosauditError as exc:
        return _parse_failed(f"{path}, {exc}")
    for dropped in carried.dropped:
        print(f"warning: {path}, line {dropped.line_no}: dropped {dropped.why}: {dropped.line!r}", file=sys.stderr)
    results: dict[str, object] = {}
    for part in carried.parts:
        where = f"{path} (host {part.host})" if part.host else str(path)
        command_line = args.command or part.command
        if command_line:
            command = identify(command_line)
            if not args.command:
                print(f"{where}: read as {command.id} (command typed on its prompt line)", file=sys.stderr)
        else:
            found = candidates(part.text)
            if len(found) != 1:
                known = ", ".join(c.line.replace("{system}", "SYS") for c in BY_ID.values())
                choice = f"it could be {' or '.join(found)}" if found else f"viosaudit reads: {known}"
                return _parse_failed(f"{where}: cannot tell which command printed it ({choice}); give --command")
            command = BY_ID[found[0]]
            print(f"{where}: read as {command.id} (recognised by its shape)", file=sys.stderr)
        host = part.host or args.host
        shown = f"output of {unwrap_command(command_line or command.line)!r} from host {host!r}"
        try:
            records = parse_output(command.id, part.text, host=host, command_line=command_line)
        except HmcError as exc:
            line_no = part.original_line(exc.line_no)
            return _parse_failed(f"{where}, line {line_no}: the HMC said {exc.message!r} instead of the {shown}")
        except ParseError as exc:
            line_no = part.original_line(exc.line_no)
            return _parse_failed(f"{where}, line {line_no}: {exc.reason} (line: {exc.line!r}; {shown})")
        results[part.host or ""] = to_jsonable(records)
    single = len(results) == 1 and "" in results
    print(json.dumps(results[""] if single else results, indent=2, ensure_ascii=False))
    return EXIT_OK


def _parse_failed(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _collect(args: argparse.Namespace) -> CollectResult:
    from viosaudit.collect import collect, make_processor
    from viosaudit.config import load_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("paramiko").setLevel(logging.WARNING)
    settings = load_settings(Path(args.config), flags=vars(args))
    result = collect(settings, processor=make_processor(sys.stderr))
    manifest = result.manifest
    interrupted = " (interrupted: what finished is on disk, the rest is listed as gaps)" if result.interrupted else ""
    print(f"{result.snapshot_dir}: {len(manifest.captures)} captures, {len(manifest.gaps)} gaps{interrupted}")
    return result


def _cmd_collect(args: argparse.Namespace) -> int:
    return EXIT_PARTIAL if _collect(args).partial else EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    collected = _collect(args)
    args.snapshot = str(collected.snapshot_dir)
    status = _cmd_report(args)
    return EXIT_PARTIAL if collected.partial and status == EXIT_OK else status


def _cmd_weekly(args: argparse.Namespace) -> int:
    from viosaudit.weekly import run_weekly

    return run_weekly(
        Path(args.config),
        today=args.today,
        log_format=args.log_format,
        log_file=Path(args.log_file) if args.log_file else None,
        verbose=args.verbose,
        quiet=args.quiet,
        deliver=args.deliver,
    )


def _cmd_import(args: argparse.Namespace) -> int:
    from viosaudit.collect import import_archive

    archive = Path(args.archive)
    if archive.is_dir():
        return _import_folder(args, archive)
    into = Path(args.into) if args.into else Path("snapshots") / archive.name.split(".tar")[0]
    result = import_archive(archive, into, managed_system=args.managed_system, partition=args.partition)
    print(f"{into}: {len(result.captures)} captures imported, {len(result.gaps)} gaps")
    return EXIT_PARTIAL if any(not g.expected for g in result.gaps) else EXIT_OK


def _import_folder(args: argparse.Namespace, folder: Path) -> int:
    from viosaudit.collect.folder import import_folder

    into = Path(args.into) if args.into else Path("snapshots") / folder.resolve().name
    result = import_folder(folder, into, descriptor=Path(args.descriptor) if args.descriptor else None)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{into}: {len(result.captures)} captures imported from {folder}")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from viosaudit.pipeline import ReportJob, run_report
    from viosaudit.summary import print_summary

    today = args.today or date.today()
    out_dir = Path(args.out) if args.out else Path("reports") / today.isoformat()
    job = ReportJob(
        snapshot_dir=Path(args.snapshot),
        out_dir=out_dir,
        today=today,
        services_csv=Path(args.services) if args.services else None,
        accepted_toml=Path(args.accepted) if args.accepted else None,
        catalogue_toml=Path(args.catalogue) if args.catalogue else None,
        lifecycle_toml=Path(args.lifecycle) if args.lifecycle else None,
        formats=tuple(args.format or ()),
        document=args.json,
        pseudonymise=args.pseudonymise,
        pseudonym_key=Path(args.pseudonym_key) if args.pseudonym_key else None,
        detail=args.detail,
        templates_dir=Path(args.templates) if args.templates else None,
        max_age_days=args.max_age_days,
        history=not args.no_history,
        db=args.db,
        zone=args.zone,
        history_scope=args.history_scope,
        history_from=Path(args.history_from) if args.history_from else None,
        decisions_toml=Path(args.decisions) if args.decisions else None,
        assignment_group=args.assignment_group or "",
    )
    result = run_report(job)
    # --json: stdout carries the findings document alone (for pipelines); the summary goes to stderr
    print_summary(result, sys.stderr if args.json else sys.stdout)
    if args.json and result.document is not None:
        from viosaudit.render.machine import write_json

        write_json(result.document, sys.stdout)
    if result.pseudonym_map is not None:
        print(f"Token map (keep private, never send): {result.pseudonym_map}", file=sys.stderr)
    return EXIT_PARTIAL if result.partial else EXIT_OK


def _cmd_evidence_verify(args: argparse.Namespace) -> int:
    """0: every file matches its manifest; 1: something changed (listed); 2: not readable as evidence."""
    from viosaudit.changes.manifest import Unreadable, verify

    try:
        check = verify(Path(args.path))
    except Unreadable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print("\n".join(check.lines()))
    return EXIT_OK if check.ok else EXIT_PARTIAL


def _cmd_verify_change(args: argparse.Namespace) -> int:
    """0: the change can be closed; 1: it cannot (each reason listed); 2: bad input."""
    from viosaudit.changes.before import EvidenceFolder
    from viosaudit.changes.verify import verify_change

    folder = Path(args.change)
    before = EvidenceFolder(folder).load()
    result = verify_change(
        before,
        Path(args.after),
        today=args.today or date.today(),
        catalogue=Path(args.catalogue) if args.catalogue else None,
        lifecycle=Path(args.lifecycle) if args.lifecycle else None,
        write_into=None if args.no_write else folder,
    )
    print("\n".join(result.lines()))
    if not args.no_write:
        print(f"after half written to {folder / 'after'} (with its own MANIFEST.sha256)")
    return EXIT_OK if result.closed else EXIT_PARTIAL


def _cmd_cab_import(args: argparse.Namespace) -> int:
    """0: imported (or nothing new); 2: the workbook holds bad values (each cell listed), nothing written."""
    from viosaudit.changes.cab import CabImportError, apply_import, read_cab

    if args.default_expiry_days < 1:
        raise ConfigError(f"--default-expiry-days {args.default_expiry_days}: expected 1 or more days")
    try:
        found = read_cab(Path(args.workbook), default_expiry_days=args.default_expiry_days)
    except CabImportError as exc:
        print(f"error: {args.workbook}: {len(exc.problems)} bad value(s); nothing was imported:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERROR
    written = apply_import(found, accepted=Path(args.accepted), decisions=Path(args.decisions))
    print(
        f"{args.workbook}: {len(found.decisions)} decision(s), {len(found.acceptances)} acceptance(s) read; "
        f"{written.decisions} decision(s) added to {args.decisions}, {written.acceptances} acceptance(s) added to "
        f"{args.accepted}, {written.unchanged} already recorded; {found.skipped} change(s) without a decision"
    )
    return EXIT_OK


def _cmd_rules_list(args: argparse.Namespace) -> int:
    from viosaudit.rules import load_rules

    for rule in load_rules():
        print(f"{rule.meta.id:28} {rule.meta.severity.value:8} {rule.meta.title}")
        if args.verbose:
            print(f"{'':28} reads: {', '.join(rule.meta.reads)}\n{'':28} {rule.meta.rationale}\n")
    return EXIT_OK


def _cmd_catalog(args: argparse.Namespace) -> int:
    from viosaudit.rules import catalogue as cat
    from viosaudit.rules.lifecycle import validate_lifecycle

    source = Path(args.catalogue) if getattr(args, "catalogue", None) else None
    if args.catalog_action == "validate":
        problems = cat.validate(source) + ([] if source else validate_lifecycle())
        for problem in problems:
            print(problem)
        if problems:
            return EXIT_ERROR
        loaded = cat.load_catalogue(source)
        print(f"{loaded.path}: {len(loaded.apars)} records, every value sourced: valid")
        return EXIT_OK
    if args.catalog_action == "list":
        for apar in cat.load_catalogue(source).apars:
            print(f"{apar.id:14} {apar.type.value:15} {apar.title}")
        return EXIT_OK
    if args.catalog_action == "show":
        print(cat.dump_record(cat.load_catalogue(source).get(args.id)), end="")
        return EXIT_OK
    merged = cat.import_records(Path(args.file), cat.load_catalogue(source), replace_existing=args.replace)
    write_private(Path(args.out), cat.dump_catalogue(merged).encode("utf-8"))
    print(f"{args.out}: {len(merged.apars)} records; use it with `viosaudit report --catalogue {args.out}`")
    return EXIT_OK


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--services", help="CSV: partition_name,service,owner,criticality")
    p.add_argument("--accepted", help="accepted-risk register (TOML)")
    p.add_argument("--catalogue", help="APAR catalogue to use instead of the shipped one (TOML)")
    p.add_argument("--lifecycle", help="site lifecycle file: adds or overrides VIOS release dates (TOML)")
    p.add_argument("--out", help="report folder (default: reports/<today>)")
    p.add_argument("--today", help="judge as of this date, YYYY-MM-DD (default: today)")
    p.add_argument(
        "--format",
        action="append",
        choices=("json", "csv"),
        help="also write the findings as findings.json or findings.csv in the report folder (repeatable; "
        "schema: docs/findings-schema.md)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the findings document (JSON) on stdout for pipelines; the summary goes to stderr",
    )
    p.add_argument(
        "--pseudonymise",
        action="store_true",
        help="replace system, partition and host names, serials, WWPNs, MACs and IP addresses by stable tokens "
        "in every output; the token map goes to pseudonym-map.json (0600) in the report folder",
    )
    p.add_argument(
        "--pseudonym-key",
        help="the site's pseudonym key file (default: viosaudit-pseudonym.key beside the report folder; "
        "made on first use)",
    )
    p.add_argument(
        "--detail",
        action="store_true",
        help="also write the full-listing PDF for auditors (viosaudit-report-detail.pdf)",
    )
    p.add_argument(
        "--templates",
        metavar="DIR",
        help="site look: site.toml (logo, classification label, colour) and any template to override",
    )
    p.add_argument(
        "--max-age-days",
        type=_days,
        default=8,
        metavar="N",
        help="warn on page 1 and in the summary when the snapshot is older than N days (default: 8)",
    )
    p.add_argument("--db", help="history: SQLite file or postgresql:// URL (default: $VIOSAUDIT_DB, else user data)")
    p.add_argument("--no-history", action="store_true", help="do not record this run nor compare it with the last")
    p.add_argument("--zone", help="collector / network zone of this snapshot in the history (default: default)")
    p.add_argument(
        "--history-scope", choices=("zone", "all"), default="zone",
        help="what changed and the trend: this zone only (default) or every zone's latest run (all)",
    )  # fmt: skip
    p.add_argument("--history-from", help="folder of earlier weekly snapshots (<week>/snapshot) to record first")
    p.add_argument("--decisions", help="CAB decisions register (TOML, written by `viosaudit cab import`)")
    p.add_argument(
        "--assignment-group",
        help="assignment group for the change-record drafts (default: the owner "
        "of the most critical service touched, from --services)",
    )


def _days(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of days, e.g. 8")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="viosaudit",
        description="Audit IBM Power VIOS estates: APAR exposure, dual-VIOS redundancy, business risk.",
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"viosaudit {tool_version()}")
    sub = parser.add_subparsers(dest="action", required=True)

    p = sub.add_parser("report", help="judge a snapshot and write the PDF, XLSX and evidence zip")
    p.add_argument("snapshot", help="snapshot folder (see docs/snapshot-format.md)")
    _report_arguments(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("collect", help="take a snapshot of the estate over SSH (docs/collect.md)")
    p.add_argument("--config", required=True, help="TOML file listing the HMCs and VIOS")
    add_arguments(p)
    p.set_defaults(func=_cmd_collect)

    p = sub.add_parser("run", help="collect, then report on the new snapshot")
    p.add_argument("--config", required=True, help="TOML file listing the HMCs and VIOS")
    add_arguments(p)
    _report_arguments(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "weekly",
        help="unattended: collect, report, e-mail the reports, prune old ones (docs/weekly.md); "
        "exit 3: reports written but not delivered",
    )
    p.add_argument("--config", required=True, help="TOML: the collection settings plus [report] and [delivery]")
    p.add_argument("--today", help="judge as of this date, YYYY-MM-DD (default: today)")
    p.add_argument("--log-format", choices=("text", "json"), default="text", help="log lines as text or JSON lines")
    p.add_argument("--log-file", help="also append the log lines to this file (created 0600)")
    p.add_argument("--verbose", action="store_true", help="also log every collected command")
    p.add_argument(
        "--quiet", action="store_true", help="print only warnings and errors (for cron); the log file gets all"
    )
    p.add_argument(
        "--deliver", action=argparse.BooleanOptionalAction, default=True, help="send the e-mails (default: yes)"
    )
    p.set_defaults(func=_cmd_weekly)

    p = sub.add_parser(
        "import", help="add an archive written by viosaudit-capture.ksh, or a folder of captures, to a snapshot"
    )
    p.add_argument(
        "archive",
        help="the .tar (or .tar.gz) the script wrote on the VIOS, or a folder of captures "
        "(<host>/<command_id>.txt, or described in viosaudit-import.toml; docs/snapshot-format.md)",
    )
    p.add_argument("--descriptor", help="import descriptor for a folder (default: FOLDER/viosaudit-import.toml)")
    p.add_argument("--into", help="snapshot folder (default: snapshots/<archive name>)")
    p.add_argument("--managed-system", help="managed system of the VIOS, when the archive does not name it")
    p.add_argument("--partition", help="VIOS partition name, when the archive does not name it")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("parse", help="print the records parsed from one captured output as JSON")
    p.add_argument(
        "--command",
        help='the command line as typed, e.g. "lsmap -all", "lssyscfg -r lpar -m SYS -F name,lpar_id --header" or '
        "'viosvrcmd -m SYS -p VIOS -c \"lsmap -all\"' (default: the command on a prompt line in FILE, else "
        "recognised by the output's shape)",
    )
    p.add_argument("--host", default="-", help="host name to show in error messages")
    p.add_argument("file", help="captured output")
    p.set_defaults(func=_cmd_parse)

    p = sub.add_parser("catalog", help="the APAR catalogue: list, show, validate, import an IBM FLRT feed")
    p.add_argument("--catalogue", help="catalogue file to read (default: the shipped one)")
    cat_sub = p.add_subparsers(dest="catalog_action", required=True)
    cat_sub.add_parser("list", help="one line per APAR record").set_defaults(func=_cmd_catalog)
    q = cat_sub.add_parser("show", help="one record, as TOML")
    q.add_argument("id", help="APAR or CVE id, e.g. IV91339")
    q.set_defaults(func=_cmd_catalog)
    cat_sub.add_parser("validate", help="check schema and that every value has a source").set_defaults(
        func=_cmd_catalog
    )
    q = cat_sub.add_parser("import", help="merge an IBM FLRT apar.csv or another catalogue into a new file")
    q.add_argument("file", help="apar.csv (FLRT feed) or a catalogue .toml")
    q.add_argument("--out", required=True, help="where to write the merged catalogue")
    q.add_argument("--replace", action="store_true", help="let imported records replace records with the same id")
    q.set_defaults(func=_cmd_catalog)

    from viosaudit.history.arguments import add_parser as add_history_parser

    add_history_parser(sub)
    p = sub.add_parser("evidence", help="check evidence against its SHA-256 manifest")
    ev_sub = p.add_subparsers(dest="evidence_action", required=True)
    q = ev_sub.add_parser("verify", help="check a change evidence folder or an evidence zip; say what changed")
    q.add_argument("path", help="reports/<date>/changes/<change id>/ or viosaudit-evidence.zip")
    q.set_defaults(func=_cmd_evidence_verify)

    p = sub.add_parser("verify-change", help="after the work: is the fix in force, every path back, nothing new?")
    p.add_argument("change", help="the change's evidence folder (reports/<date>/changes/<change id>/)")
    p.add_argument("--after", required=True, help="snapshot collected after the work")
    p.add_argument("--today", help="judge as of this date, YYYY-MM-DD (default: today)")
    p.add_argument("--catalogue", help="APAR catalogue to use instead of the shipped one (TOML)")
    p.add_argument("--lifecycle", help="site lifecycle file (TOML)")
    p.add_argument("--no-write", action="store_true", help="only answer; do not add the after half to the folder")
    p.set_defaults(func=_cmd_verify_change)

    p = sub.add_parser("cab", help="CAB decisions: read them back from the workbook")
    cab_sub = p.add_subparsers(dest="cab_action", required=True)
    q = cab_sub.add_parser("import", help="record the Decision columns of an edited CAB workbook")
    q.add_argument("workbook", help="viosaudit-cab.xlsx with the Decision, Decided by and Decision date filled in")
    q.add_argument(
        "--accepted",
        default="viosaudit-accepted.toml",
        help="accepted-risk register to append 'Accept risk' decisions to (default: %(default)s)",
    )
    q.add_argument(
        "--decisions",
        default="viosaudit-decisions.toml",
        help="CAB decisions register (default: %(default)s); give it to `viosaudit report --decisions`",
    )
    q.add_argument(
        "--default-expiry-days",
        type=int,
        default=180,
        help="an acceptance without an Expires cell "
        "expires this many days after its decision date (default: %(default)s)",
    )
    q.set_defaults(func=_cmd_cab_import)

    p = sub.add_parser("rules", help="the rules viosaudit applies")
    rules_sub = p.add_subparsers(dest="rules_action", required=True)
    q = rules_sub.add_parser("list", help="list the registered rules")
    q.add_argument("-v", "--verbose", action="store_true", help="show what each rule reads and why")
    q.set_defaults(func=_cmd_rules_list)
    return parser


def parse_today(text: str) -> date:
    """``--today``: an ISO date, YYYY-MM-DD exactly (01/12/2026 could be either of two days)."""
    if not _ISO_DATE.fullmatch(text):
        raise ConfigError(f"--today {text!r}: expected a date as YYYY-MM-DD, e.g. 2026-12-01")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--today {text!r}: not a calendar date ({exc}); expected YYYY-MM-DD") from None


def one_line(text: str) -> str:
    """An error on one line (a message listing several problems joins them with "; ")."""
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "today", None) is not None:  # checked before any work (run: before collecting)
            args.today = parse_today(args.today)
        result: int = args.func(args)
        return result
    except ViosauditError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; no report was written", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a bug: one line, never a traceback (VIOSAUDIT_DEBUG=1 shows it)
        if os.environ.get("VIOSAUDIT_DEBUG"):
            raise
        print(
            f"error: internal error ({type(exc).__name__}: {exc}); please report it with the command line "
            "(VIOSAUDIT_DEBUG=1 shows where it happened)",
            file=sys.stderr,
        )
        return EXIT_ERROR
