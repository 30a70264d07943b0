"""The trend: open findings by severity over the last runs of a zone, as numbers and as an SVG chart.

pandas shapes the series (imported only here, only when there is one), and the chart is plain SVG
drawn here: a stacked area chart needs a few polygons, and matplotlib's import alone cost 0.5 s of
the 3 s the main job on sample_data may take.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

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


WIDTH, HEIGHT = 640, 112  # SVG user units; the page scales the image (report.css: img.trend-chart)
LEFT, RIGHT, TOP, BOTTOM = 44, 96, 8, 24  # margins: y labels, legend, headroom, x labels


def _step(top: int) -> int:
    """A round y-axis step giving at most 5 ticks up to ``top``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000):
        if top / step <= 5:
            return step
    return int(10 ** len(str(top)))


def chart_svg(points: tuple[TrendPoint, ...]) -> str:
    """A stacked area chart of open findings per severity (critical at the bottom), as SVG text.

    Deterministic (no ids, no dates), text as text (the PDF keeps the labels searchable)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(points), 1)
    top = max([p.total for p in points] + [1])
    step = _step(top)
    y_max = max(step * -(-int(top * 1.1) // step), step)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / y_max)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="DejaVu Sans, sans-serif" font-size="9">'
    ]
    for v in range(0, y_max + 1, step):
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y(v) + 3:.1f}" text-anchor="end" fill="#444">{v}</text>')
    base = [0] * len(points)
    shown = [s for s in SEVERITIES if any(getattr(p, s) for p in points)]
    half = 6 if n == 1 else 0  # one run: a narrow band, so that it shows at all
    for sev in shown:
        upper = [b + getattr(p, sev) for b, p in zip(base, points, strict=True)]
        edge = [(x(i) - half, y(v)) for i, v in enumerate(upper)] + ([(x(0) + half, y(upper[0]))] if half else [])
        floor = [(x(i) + half, y(v)) for i, v in enumerate(base)][::-1] + ([(x(0) - half, y(base[0]))] if half else [])
        coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in edge + floor)
        out.append(f'<polygon points="{coords}" fill="{COLOURS[sev]}" stroke="none"><title>{sev}</title></polygon>')
        base = upper
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#444"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#444"/>')
    for i, p in enumerate(points):
        out.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle" fill="#444">{escape(p.day[5:])}</text>')
    out.append(
        f'<text transform="translate(10 {TOP + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" fill="#444">'
        "open findings</text>"
    )
    for k, sev in enumerate(reversed(shown)):  # the legend reads top down, as the stack does
        ly = TOP + 4 + k * 14
        out.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{ly}" width="10" height="10" fill="{COLOURS[sev]}"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 26}" y="{ly + 9}" fill="#222">{sev}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
