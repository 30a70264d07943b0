"""The trend: open findings by severity over the last runs of a zone, as numbers and as an SVG chart.

pandas shapes the series, matplotlib (Agg, no display) draws it; both are imported only here and
only when a chart is made, so ``viosaudit --help`` and runs with ``--no-history`` never load them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

SEVERITIES = ("critical", "high", "medium", "low", "info")
COLOURS = {"critical": "#8b0000", "high": "#d9480f", "medium": "#e8a100", "low": "#4c6ef5", "info": "#868e96"}
RUNS = 12


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One run of the trend: its day and open findings per severity."""

    day: str
    snapshot_id: str
    critical: int
    high: int
    medium: int
    low: int
    info: int

    @property
    def total(self) -> int:
        return self.critical + self.high + self.medium + self.low + self.info


def series(runs: list[tuple[int, str, str]], counts: list[tuple[int, str, int]]) -> tuple[TrendPoint, ...]:
    """``runs``: (run id, day, snapshot id) oldest first; ``counts``: (run id, severity, open) -> points."""
    if not counts:  # nothing open in any of these runs
        return tuple(TrendPoint(day, snap, 0, 0, 0, 0, 0) for _run, day, snap in runs)
    import pandas as pd

    frame = pd.DataFrame(counts, columns=["run", "severity", "open"])
    table = frame.pivot_table(index="run", columns="severity", values="open", aggfunc="sum", fill_value=0)
    table = table.reindex(index=[r for r, _, _ in runs], columns=list(SEVERITIES), fill_value=0).fillna(0)
    return tuple(TrendPoint(day, snap, *(int(table.at[run, s]) for s in SEVERITIES)) for run, day, snap in runs)


def chart_svg(points: tuple[TrendPoint, ...]) -> str:
    """A stacked area chart of open findings per severity, as SVG text (deterministic: fixed ids, no date)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    with matplotlib.rc_context({"svg.hashsalt": "viosaudit-trend", "svg.fonttype": "none", "font.size": 7}):
        fig, ax = plt.subplots(figsize=(6.4, 1.5))
        try:
            x = list(range(len(points)))
            stacks = [[getattr(p, s) for p in points] for s in SEVERITIES]
            shown = [(s, v) for s, v in zip(SEVERITIES, stacks, strict=True) if any(v)]
            if shown:
                ax.stackplot(
                    x, *[v for _, v in shown], labels=[s for s, _ in shown], colors=[COLOURS[s] for s, _ in shown],
                )  # fmt: skip
                ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
            ax.set_xticks(x, [p.day[5:] for p in points])
            ax.set_xlim(-0.2, max(len(points) - 1, 1) + 0.2)
            ax.set_ylim(0, max([p.total for p in points] + [1]) * 1.15)
            ax.set_ylabel("open findings")
            ax.spines[["top", "right"]].set_visible(False)
            fig.tight_layout()
            out = io.StringIO()
            fig.savefig(out, format="svg", metadata={"Date": None, "Creator": "viosaudit"})
        finally:
            plt.close(fig)
    return out.getvalue()
