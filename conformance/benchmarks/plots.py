"""The benchmark report's plots: one panel per spec program, each engine in its own colour and marker;
and one grid of the catalogue operators.

``time_vs_size``: median time of one round against the number of elements, log-log, one line per
engine (torch from every run's reference entries). ``ratio_to_torch``: each target's median over
torch's, measured side by side, against size. ``operators_ratio``: each catalogue operator's ratio on each
target at the largest size measured, a grid of cells. All are written as PNG and SVG. Needs matplotlib
(the ``bench`` extra); :mod:`conformance.benchmarks.report` imports this module only when it plots.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # files only: no display is needed or wanted
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.ticker import FuncFormatter, NullFormatter

from conformance.benchmarks.results import OperatorRow, format_seconds, operator_rows, ratios
from conformance.catalogue import OPERATORS

if TYPE_CHECKING:
    from conformance.benchmarks.results import Run

STYLES = {  # engine -> (colour, marker): fixed, so an engine looks the same in every report
    "torch": ("#000000", "o"),
    "tinygrad": ("#1f77b4", "s"),
    "mygrad": ("#ff7f0e", "^"),
    "dezero": ("#2ca02c", "D"),
    "autograd": ("#d62728", "v"),
    "jax": ("#9467bd", "P"),
    "mlx": ("#8c564b", "X"),
    "micrograd": ("#e377c2", "*"),
}
_SPARE = [("#7f7f7f", "<"), ("#bcbd22", ">"), ("#17becf", "h"), ("#aec7e8", "p")]


def _style(engine: str) -> tuple[str, str]:
    if engine not in STYLES:
        STYLES[engine] = _SPARE[(len(STYLES) - 8) % len(_SPARE)]
    return STYLES[engine]


def _label(engine: str, device: str) -> str:
    return engine if device == "cpu" else f"{engine} ({device})"


def _panels(programs: Sequence[tuple[str, str]], title: str) -> tuple[Any, list[Any], Any]:
    columns = 4
    rows = -(-(len(programs) + 1) // columns)  # one panel more, for the legend
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.6 * rows), squeeze=False)
    flat = list(axes.flat)
    for axis in flat[len(programs) + 1 :]:
        axis.set_visible(False)
    figure.suptitle(title, fontsize=13)
    return figure, flat[: len(programs)], flat[len(programs)]


def _finish(figure: Any, legend_axis: Any, handles: dict[str, Any], out: Path, stem: str, title: str) -> str:
    legend_axis.axis("off")
    legend_axis.legend(
        list(handles.values()), list(handles), loc="center", title=title, frameon=False, fontsize=11
    )
    figure.tight_layout()
    for suffix in ("png", "svg"):
        figure.savefig(out / f"{stem}.{suffix}", dpi=110)
    plt.close(figure)
    return f"{stem}.png"


def _programs(runs: Sequence[Run]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((t.program, t.family) for run in runs for t in run.timings))


def _size_axis(axis: Any, program: str, family: str) -> None:
    axis.set_xscale("log")
    axis.set_title(f"{program} ({family})", fontsize=10)
    axis.set_xlabel("size (elements)")
    axis.grid(True, which="major", alpha=0.3)


def _label_ticks(axis: Any, text: Any) -> None:
    """Tick labels with their unit; called once the lines are drawn and the limits known."""
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: text(value)))
    low, high = axis.get_ylim()
    if high / low < 10:  # less than a decade: there may be no major tick, so the minor ones speak
        axis.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: text(value)))
        axis.tick_params(axis="y", which="minor", labelsize=8)
    else:
        axis.yaxis.set_minor_formatter(NullFormatter())


def plot_times(runs: Sequence[Run], out: Path) -> str:
    """time_vs_size.png/.svg; returns the PNG's file name."""
    lines: dict[tuple[str, str, str], dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        for t in run.timings:
            lines[(t.engine, t.device, t.program)][t.size].append(t.median)
    programs = _programs(runs)
    figure, axes, legend_axis = _panels(
        programs, "Median time of one round (forward + backward + read-back) against size, log-log"
    )
    handles: dict[str, Any] = {}
    for axis, (program, family) in zip(axes, programs, strict=True):
        _size_axis(axis, program, family)
        axis.set_yscale("log")
        axis.set_ylabel("median time per round (log)")
        for (engine, device, name), by_size in sorted(lines.items()):
            if name != program:
                continue
            sizes = sorted(by_size)
            colour, marker = _style(engine)
            (handle,) = axis.plot(
                sizes,
                [statistics.median(by_size[size]) for size in sizes],
                color=colour,
                marker=marker,
                linestyle="-" if device == "cpu" else "--",
            )
            handles.setdefault(_label(engine, device), handle)
        _label_ticks(axis, format_seconds)
    return _finish(figure, legend_axis, handles, out, "time_vs_size", "engine")


def plot_ratios(runs: Sequence[Run], out: Path) -> str:
    """ratio_to_torch.png/.svg; returns the PNG's file name."""
    programs = _programs(runs)
    figure, axes, legend_axis = _panels(
        programs, "Median time on each target / median time on torch, side by side (below 1: faster)"
    )
    handles: dict[str, Any] = {}
    for axis, (program, family) in zip(axes, programs, strict=True):
        _size_axis(axis, program, family)
        axis.set_yscale("log")
        axis.set_ylabel("time / torch's time (×, log)")
        axis.axhline(1.0, color="grey", linewidth=1, linestyle=":")
        for run in runs:
            found = {(size, device): r for (name, size, device), r in ratios(run).items() if name == program}
            for device in sorted({device for _, device in found}):
                sizes = sorted(size for size, where in found if where == device)
                colour, marker = _style(run.target)
                (handle,) = axis.plot(
                    sizes,
                    [found[(size, device)] for size in sizes],
                    color=colour,
                    marker=marker,
                    linestyle="-" if device == "cpu" else "--",
                )
                handles.setdefault(_label(run.target, device), handle)
        low, high = axis.get_ylim()
        axis.set_ylim(min(low, 0.5), max(high, 2.0))  # keep 1x in view with room either side
        _label_ticks(axis, lambda ratio: f"{ratio:.3g}×")
    return _finish(figure, legend_axis, handles, out, "ratio_to_torch", "target (torch: against itself)")


def _ratio_text(ratio: float) -> str:
    """Two decimals near 1 (``1.00×``, ``0.52×``), whole numbers from 10 (``35×``, ``1,204×``)."""
    if ratio >= 10:
        return f"{ratio:,.0f}×"
    return f"{ratio:.2f}×" if ratio >= 0.1 else f"{ratio:.2g}×"


def plot_operators(runs: Sequence[Run], out: Path) -> str:
    """operators_ratio.png/.svg: one row per catalogue operator, one column per target (and device), each
    cell the target's median time over torch's at the largest size both were measured at; returns the
    PNG's file name. A cell says "not offered" where the target has no such operator, and names the size
    where it is smaller than the largest the run timed (the sweep stopped: too slow, or failed)."""
    columns: list[tuple[str, dict[str, OperatorRow], int]] = []
    for run in runs:
        rows = operator_rows(run)
        largest = max((size for row in rows for size in [*row.medians, *row.left_out]), default=0)
        for device in dict.fromkeys(row.device for row in rows):
            found = {row.operator: row for row in rows if row.device == device}
            columns.append((_label(run.target, device), found, largest))
    order = {name: index for index, name in enumerate(OPERATORS)}
    names = sorted(
        {name for _, found, _ in columns for name in found}, key=lambda name: order.get(name, len(order))
    )
    logs = np.full((len(names), len(columns)), np.nan)
    texts: dict[tuple[int, int], str] = {}
    for j, (_, found, largest) in enumerate(columns):
        for i, name in enumerate(names):
            row = found.get(name)
            if row is None:
                continue  # this run did not time the operator at all (--benchmark-operators)
            size = row.largest
            if not row.offered:
                texts[(i, j)] = "not offered"
            elif size is None:
                texts[(i, j)] = "not measured"
            else:
                target, torch = row.medians[size]
                ratio = target / torch
                logs[i, j] = np.log10(ratio)
                texts[(i, j)] = _ratio_text(ratio) + ("" if size == largest else f" (n = {size:,})")
    figure, axis = plt.subplots(figsize=(max(8.0, 2.4 + 1.5 * len(columns)), 1.8 + 0.27 * len(names)))
    colours = plt.get_cmap("RdBu_r").with_extremes(bad="#e6e6e6")  # bad: not offered, not measured
    image = axis.imshow(
        np.ma.masked_invalid(logs),
        cmap=colours,
        norm=Normalize(-2, 2),
        aspect="auto",
        interpolation="nearest",
    )
    for (i, j), text in texts.items():
        dark = np.isfinite(logs[i, j]) and abs(logs[i, j]) > 1.2
        grey = not np.isfinite(logs[i, j])
        axis.text(
            j, i, text, ha="center", va="center", fontsize=8,
            color="white" if dark else ("#666666" if grey else "black"),
        )  # fmt: skip
    axis.set_xticks(range(len(columns)), [f"{label}\n(n = {largest:,})" for label, _, largest in columns])
    axis.xaxis.tick_top()
    axis.set_yticks(range(len(names)), names, family="monospace")
    axis.tick_params(which="both", length=0)
    axis.set_xticks(np.arange(len(columns) + 1) - 0.5, minor=True)
    axis.set_yticks(np.arange(len(names) + 1) - 0.5, minor=True)
    axis.grid(which="minor", color="white", linewidth=1.5)
    for spine in axis.spines.values():
        spine.set_visible(False)
    bar = figure.colorbar(image, ax=axis, fraction=0.04, pad=0.02, ticks=[-2, -1, 0, 1, 2])
    bar.ax.set_yticklabels(["≤0.01×", "0.1×", "1×", "10×", "≥100×"])
    bar.set_label("time / torch's time (log; red: slower than torch)")
    axis.set_title(
        "Each catalogue operator, forward + backward + read-back: median time on each target / torch's,\n"
        "side by side, at the largest size measured (in brackets where the sweep stopped earlier)",
        fontsize=10,
    )
    figure.tight_layout()
    with plt.rc_context({"svg.fonttype": "none"}):  # the cells' text stays text: smaller, searchable
        for suffix in ("png", "svg"):
            figure.savefig(out / f"operators_ratio.{suffix}", dpi=110)
    plt.close(figure)
    return "operators_ratio.png"


def write_plots(runs: Sequence[Run], out: Path) -> list[str]:
    """Both plots into ``out``; the PNG file names, for the Markdown."""
    return [plot_times(runs, out), plot_ratios(runs, out)]
