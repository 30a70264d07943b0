"""Benchmarks for the report side (figures, not tests): run ``.venv/bin/python bench/bench_report.py``.

1. The main job on sample_data (snapshot -> PDF + XLSX + evidence), wall time.
2. Parse + assemble + rules alone on sample_data.
3. Rules over generated estates up to 1,000 VIOS and 20,000 client LPARs (target: < 5 s, linear).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from viosaudit.assemble import build_estate
from viosaudit.business import load_services
from viosaudit.model import (
    BackingKind,
    ClientLpar,
    Collected,
    Estate,
    Fileset,
    Ifix,
    IfixState,
    IoPath,
    Level,
    ManagedSystem,
    Observed,
    PartitionEnv,
    PartitionKey,
    PathKind,
    SourceRef,
    Span,
    Vios,
)
from viosaudit.pipeline import ReportJob, run_report
from viosaudit.rules import evaluate, load_rules
from viosaudit.rules.context import load_context
from viosaudit.snapshot import open_snapshot

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_data"
TODAY = date(2026, 11, 25)
REF = SourceRef("captures/x.txt", 1, 1, "x", "x")


def timed(function, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main_job() -> float:
    with tempfile.TemporaryDirectory() as out:
        job = ReportJob(SAMPLE / "snapshot", Path(out), TODAY, services_csv=SAMPLE / "business_services.csv")
        return timed(lambda: run_report(job), repeat=2)


def parse_and_rules() -> float:
    services = load_services(SAMPLE / "business_services.csv")
    rules = load_rules()

    def once() -> None:
        estate = build_estate(open_snapshot(SAMPLE / "snapshot"))
        evaluate(estate, load_context(estate, TODAY, services), rules)

    return timed(once, repeat=5)


def generated_estate(n_systems: int, clients_per_system: int = 40) -> Estate:
    """Dual-VIOS systems at mixed levels (some exposed, some with ifixes), every client dual-pathed
    except every 10th, which goes through one VIOS only."""
    levels = [("2.2.5.10", "6.1.9.200"), ("2.2.6.65", "6.1.9.416"), ("3.1.4.10", "7.2.5.201"), ("4.1.0.21", "7.3.2.0")]
    systems, vioses, clients, paths = [], [], [], []
    for s in range(n_systems):
        serial = f"SN{s:05d}"
        name = f"SYS{s:05d}"
        systems.append(ManagedSystem(name, serial, "9009-42A", "Operating", ("hmc1",), REF))
        level, fileset_level = levels[s % len(levels)]
        ifixes = (Ifix(1, IfixState.STABLE, "IV91339m5a", None, "IV91339", Span(3, 3)),) if s % 8 == 0 else ()
        filesets = tuple(
            Fileset(f, f, Level.parse(v), "C", "F", f, Span(2, 2))
            for f, v in (("bos.rte", fileset_level), ("devices.vdevice.IBM.v-scsi-host.rte", fileset_level))
        )
        for pid in (1, 2):
            vioses.append(
                Vios(
                    key=PartitionKey(serial, pid),
                    name=f"{name}-vios{pid}",
                    managed_system=name,
                    state="Running",
                    os_version=f"VIOS {level}",
                    level=Observed(Collected.OK, Level.parse(level), REF),
                    ifixes=Observed(Collected.OK, ifixes, REF),
                    filesets=Observed(Collected.OK, filesets, REF),
                    vscsi=Observed(Collected.OK, (), REF),
                    npiv=Observed(Collected.OK, (), REF),
                    network=Observed(Collected.OK, (), REF),
                    source=REF,
                )
            )
        for c in range(clients_per_system):
            key = PartitionKey(serial, 10 + c)
            clients.append(ClientLpar(key, f"{name}-lpar{c}", name, PartitionEnv.AIX_LINUX, "Running", None, REF))
            for pid in (1,) if c % 10 == 0 else (1, 2):
                vios = PartitionKey(serial, pid)
                for disk in (1, 2):  # two LUNs per client, paired by unique_id
                    paths.append(
                        IoPath(
                            PathKind.VSCSI,
                            key,
                            vios,
                            "vhost0",
                            f"hdisk{disk}",
                            "",
                            REF,
                            backing=BackingKind.DISK,
                            unique_id=f"{key}:{disk}",
                            lun=f"0x8{disk}",
                        )
                    )
                paths.append(IoPath(PathKind.NPIV, key, vios, "vfchost0", "fcs0", "", REF, logged_in=True))
                paths.append(IoPath(PathKind.NETWORK, key, vios, "C10", "VLAN 10", "", REF, vlan=10, vswitch="E0"))
    views = frozenset(
        (s.serial, c) for s in systems for c in ("lssyscfg_lpar", "lshwres_scsi", "lshwres_fc", "lshwres_eth")
    )
    return Estate(
        "bench", "2026-11-23T06:00:00Z", tuple(systems), tuple(vioses), tuple(clients), tuple(paths), hmc_views=views
    )


def main() -> int:
    print(f"viosaudit report benchmarks (python {sys.version.split()[0]})")
    print(f"main job on sample_data (PDF + XLSX + evidence): {main_job():6.2f} s wall (median of 2)")
    print(f"parse + assemble + rules on sample_data:         {parse_and_rules() * 1000:6.0f} ms (median of 5)")
    rules = load_rules()
    print("rules over generated estates (dual VIOS, 40 clients per system):")
    for n_systems in (125, 250, 500):
        estate = generated_estate(n_systems)
        seconds = timed(lambda e=estate: evaluate(e, load_context(e, TODAY), rules), repeat=1)
        count = len(evaluate(estate, load_context(estate, TODAY), rules))
        per = seconds / len(estate.vioses) * 1000
        print(
            f"  {len(estate.vioses):5d} VIOS, {len(estate.clients):6d} LPARs: {seconds:6.2f} s "
            f"({per:.2f} ms per VIOS, {count} findings)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
