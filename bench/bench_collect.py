"""Benchmark the SSH collector against a simulated estate (a script, not a test).

The estate: 4 HMCs managing 100 managed systems with 200 VIOS (two per system), every command
answered after 50 ms, all over real SSH on 127.0.0.1 (the fake server of tests/collect). The VIOS
are reached directly (VIOS mode, so ifixes are read too); the HMCs give the inventory. The same
estate is collected twice, each time by a fresh collector process (so peak memory is the
collector's own): once with the default politeness (``--concurrency`` hosts at once, at most
``--hmc-sessions`` sessions per HMC) and once one command at a time (concurrency 1, 1 session per
HMC). It prints wall time, commands per second and peak memory for each, the speed-up, and the
largest number of simultaneous sessions each HMC saw, as counted by the server.

    .venv/bin/python bench/bench_collect.py            # about 2 minutes on 2 cores
    .venv/bin/python bench/bench_collect.py --quick    # 40 VIOS, no one-at-a-time run
    .venv/bin/python bench/bench_collect.py --quick --vios 1000 --hmcs 20   # the bank-scale estate

Each run prints the commands it lost (failed) and how many it ran twice (retried). Two diagnostics:
``BENCH_HOG=1`` holds the collector's GIL in 10 ms slices (what the old manifest rewrites did: the load
under which the fake server used to lose channels, issue 16), and ``BENCH_LOG=/tmp/x`` writes
paramiko's debug log of both sides to /tmp/x.client and /tmp/x.server.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "collect"))

from estate import simple_estate, write_estate  # noqa: E402
from sshserver import FakeEstate, new_key  # noqa: E402


def child(config: Path) -> None:
    """Collector side: run one collection from a JSON description and print figures as JSON."""
    from viosaudit.collect import collect
    from viosaudit.config import CollectSettings, HostSpec

    spec = json.loads(config.read_text())
    import threading

    if os.environ.get("BENCH_LOG"):  # paramiko's own account of each connection (client side)
        import logging

        logging.basicConfig(
            filename=os.environ["BENCH_LOG"] + ".client",
            level=logging.DEBUG,
            format="%(relativeCreated)d %(threadName)s %(name)s %(message)s",
        )
    if os.environ.get("BENCH_HOG"):  # hold the GIL in 10 ms slices, as the old manifest rewrites did

        def hog() -> None:
            data = [{"file": f"captures/x{i}/y.txt", "sha256": "0" * 64} for i in range(20000)]
            while True:
                json.dumps(data)
                time.sleep(0.005)

        threading.Thread(target=hog, daemon=True).start()
    settings = CollectSettings(
        hmcs=tuple(HostSpec(**h) for h in spec["hmcs"]),
        vioses=tuple(HostSpec(**v) for v in spec["vioses"]),
        output=Path(spec["output"]),
        key_file=Path(spec["key_file"]),
        use_agent=False,
        known_hosts=Path(spec["known_hosts"]),
        concurrency=spec["concurrency"],
        hmc_sessions=spec["hmc_sessions"],
        connect_timeout=30,
        command_timeout=60,
    )
    started = time.perf_counter()
    result = collect(settings)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "captures": len(result.manifest.captures),
                "gaps": len(result.manifest.gaps),
                "failed": len(result.failed),
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "cpu_seconds": resource.getrusage(resource.RUSAGE_SELF).ru_utime
                + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
                "client_peak_sessions": dict(result.peak_sessions),
                "failures": [f"{o.host} {o.command_id}: {o.reason}" for o in result.failed][:20],
                "retried": sum(1 for c in result.manifest.captures if c.retry is not None),
            }
        )
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(
    estate: FakeEstate, work: Path, key: Path, known_hosts: Path, label: str, concurrency: int, sessions: int
) -> dict[str, float]:
    for host in estate.hosts.values():
        host.stats.max_connections = host.stats.connections
        host.stats.max_channels = host.stats.channels
    hmcs = [n for n, h in estate.hosts.items() if h.role == "hmc"]
    vioses = [n for n, h in estate.hosts.items() if h.role == "vios"]
    spec = {
        "hmcs": [{"name": n, "address": "127.0.0.1", "port": estate[n].port} for n in hmcs],
        "vioses": [
            {
                "name": n,
                "address": "127.0.0.1",
                "port": estate[n].port,
                "managed_system": estate[n].vios_identity[0],  # type: ignore[index]
                "partition": estate[n].vios_identity[1],  # type: ignore[index]
            }
            for n in vioses
        ],
        "output": str(work / label),
        "key_file": str(key),
        "known_hosts": str(known_hosts),
        "concurrency": concurrency,
        "hmc_sessions": sessions,
    }
    config = work / f"{label}.json"
    config.write_text(json.dumps(spec))
    server_cpu = _cpu()
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(config)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{label} run failed:\n{out.stderr}")
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    figures["server_cpu"] = _cpu() - server_cpu
    server_peak = {n: max(estate[n].stats.max_connections, estate[n].stats.max_channels) for n in hmcs}
    commands = figures["captures"]
    print(
        f"{label:>16}: {figures['seconds']:7.2f} s wall, {commands / figures['seconds']:7.1f} commands/s, "
        f"{commands} captures ({figures['retried']} retried), {figures['gaps']} gaps, {figures['failed']} failed, "
        f"peak RSS {figures['peak_rss_mib']:.0f} MiB, CPU {figures['cpu_seconds']:.1f} s (collector process)"
    )
    for failure in figures.get("failures", []):
        print(f"{'':>16}  failed: {failure}")
    print(f"{'':>16}  max sessions per HMC seen by the server: {server_peak} (limit {sessions})")
    print(f"{'':>16}  fake estate (this process) used {figures['server_cpu']:.1f} s CPU")
    figures["server_peak"] = max(server_peak.values())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--hmcs", type=int, default=4)
    parser.add_argument("--vios", type=int, default=None, help="VIOS in the estate, two per system (default 200)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per command")
    parser.add_argument("--concurrency", type=int, default=32, help="hosts collected at once")
    parser.add_argument("--hmc-sessions", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="no one-at-a-time run (and 40 VIOS unless --vios)")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    vios = args.vios or (40 if args.quick else 200)
    if os.environ.get("BENCH_LOG"):  # the fake estate's side
        import logging

        logging.basicConfig(
            filename=os.environ["BENCH_LOG"] + ".server",
            level=logging.DEBUG,
            format="%(relativeCreated)d %(threadName)s %(name)s %(message)s",
        )
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        work = Path(tmp)
        key, text = new_key()
        key_file = work / "id_ed25519"
        key_file.write_text(text)
        key_file.chmod(0o600)
        snapshot = write_estate(work / "estate", simple_estate(systems=vios // 2, hmcs=args.hmcs))
        estate = FakeEstate(snapshot, client_key=key)
        for host in estate.hosts.values():
            host.behaviour.latency = args.latency
        estate.start()
        try:
            known_hosts = estate.write_known_hosts(work / "known_hosts")
            print(
                f"estate: {args.hmcs} HMCs, {vios // 2} managed systems, {vios} VIOS reached directly, "
                f"{args.latency * 1000:.0f} ms per command, real SSH on 127.0.0.1"
            )
            fast = run(estate, work, key_file, known_hosts, "parallel", args.concurrency, args.hmc_sessions)
            if args.quick:
                return
            slow = run(estate, work, key_file, known_hosts, "one at a time", 1, 1)
            speedup = slow["seconds"] / fast["seconds"]
            verdict = "meets" if speedup >= 15 and fast["server_peak"] <= args.hmc_sessions else "MISSES"
            print(
                f"speed-up: {speedup:.1f}x (target 15x, with at most {args.hmc_sessions} sessions per HMC): {verdict}"
            )
        finally:
            estate.stop()


if __name__ == "__main__":
    main()
