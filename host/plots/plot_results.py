#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plot the results of `relumc verify`.

Usage: python3 host/plots/plot_results.py DIR

Reads DIR/results.json (written by `relumc verify --out DIR`) and writes into DIR:

  rel_error_vs_angle.png   relative error against the angle, one line per student norm |w|,
                           one panel per (quantity, d), at the largest N of each panel.
                           Cases off the angle grid (random cases, --weights cases) are left out.
  error_vs_samples.png     relative error against N on log-log axes, one panel per quantity:
                           every case as a faint point, the geometric mean per N, the fitted
                           slope and the reference N^-1/2 line.

Cases whose closed form is zero have no relative error (null in the JSON) and are not drawn.
Rejected cases (passed == false) are marked with a red x.

Needs only the standard library, numpy and matplotlib (Debian: python3-numpy, python3-matplotlib).
Exit status: 0 on success, 2 if results.json is missing or malformed, 1 if a plot cannot be written.
"""

import json
import math
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

KNOWN_QUANTITIES = ("gating", "grad", "loss")
QUANTITY_TEXT = {
    "gating": "gating  E[1(w·x>0) x xᵀ] e",
    "grad": "grad  ∂loss/∂W",
    "loss": "loss",
}


class Malformed(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Reading and checking results.json


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _finite_or_none(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def load_results(path):
    if not os.path.exists(path):
        raise Malformed(f"{path}: no such file (run `relumc verify --out DIR` first)")
    if not os.path.isfile(path):
        raise Malformed(f"{path}: not a regular file")
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise Malformed(f"{path}: not valid JSON: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise Malformed(f"{path}: cannot read: {e}") from None

    if not isinstance(doc, dict):
        raise Malformed(f"{path}: the top level is not a JSON object")
    cases = doc.get("cases")
    if not isinstance(cases, list):
        raise Malformed(f"{path}: no \"cases\" array at the top level")
    if not cases:
        raise Malformed(f"{path}: the \"cases\" array is empty, nothing to plot")

    checks = {
        "quantity": (lambda v: isinstance(v, str) and v != "", "a non-empty string"),
        "d": (lambda v: _is_int(v) and v > 0, "a positive integer"),
        "samples": (lambda v: _is_int(v) and v > 0, "a positive integer"),
        "norm": (_is_number, "a number"),
        "angle": (lambda v: v is None or _is_number(v), "a number or null"),
        "rel_error": (lambda v: v is None or _is_number(v), "a number or null"),
        "passed": (lambda v: v is None or isinstance(v, bool), "true, false, or null (a measured case)"),
    }
    optional = {
        "ratio": (lambda v: v is None or _is_number(v), "a number or null"),
        "K": (lambda v: v is None or _is_int(v), "an integer"),
        "K_star": (lambda v: v is None or _is_int(v), "an integer"),
    }
    out = []
    for i, c in enumerate(cases):
        where = f"{path}: cases[{i}]"
        if not isinstance(c, dict):
            raise Malformed(f"{where} is not an object")
        for key, (ok, what) in checks.items():
            if key not in c:
                raise Malformed(f"{where} has no \"{key}\"")
            if not ok(c[key]):
                raise Malformed(f"{where}: \"{key}\" is {json.dumps(c[key])}, expected {what}")
        for key, (ok, what) in optional.items():
            if key in c and not ok(c[key]):
                raise Malformed(f"{where}: \"{key}\" is {json.dumps(c[key])}, expected {what}")
        out.append(
            {
                "quantity": c["quantity"],
                "d": c["d"],
                "samples": c["samples"],
                "norm": float(c["norm"]),
                "angle": _finite_or_none(c["angle"]),
                "ratio": _finite_or_none(c.get("ratio")),
                "K": c.get("K"),
                "K_star": c.get("K_star"),
                "rel_error": _finite_or_none(c["rel_error"]),
                "passed": c["passed"],
                "inconclusive": c.get("verdict") == "inconclusive",
            }
        )
    return doc, out


# ---------------------------------------------------------------------------------------------
# Helpers


def fmt_n(n):
    """1000000 -> '1e6', 400000 -> '4e5', 123456 -> '1.23e5', 500 -> '500' (as --samples takes them)."""
    n = int(n)
    if n < 1000:
        return str(n)
    e = int(math.floor(math.log10(n)))
    m = n / 10**e
    if abs(m - round(m)) < 1e-9:
        return f"{int(round(m))}e{e}"
    return f"{m:.3g}e{e}"


def fmt_num(x):
    return f"{x:g}"


def quantity_order(quantities):
    present = set(quantities)
    known = [q for q in KNOWN_QUANTITIES if q in present]
    return known + sorted(present - set(KNOWN_QUANTITIES))


def plottable(rel_error):
    return rel_error is not None and rel_error > 0


def geometric_mean(values):
    return float(np.exp(np.mean(np.log(values))))


def fit_slope(ns, gmeans):
    """Least-squares slope of log(geometric mean) on log N, the same fit `relumc verify` reports."""
    x = np.log(np.asarray(ns, dtype=float))
    y = np.log(np.asarray(gmeans, dtype=float))
    k = len(x)
    return float((k * np.sum(x * y) - np.sum(x) * np.sum(y)) / (k * np.sum(x * x) - np.sum(x) ** 2))


def subtitle(doc, cases):
    failed = sum(1 for c in cases if c["passed"] is False)
    bits = []
    for key in ("backend", "precision", "contract"):
        if isinstance(doc.get(key), str):
            bits.append(f"{key} {doc[key]}")
    if _is_int(doc.get("seed")):
        bits.append(f"seed {doc['seed']}")
    if isinstance(doc.get("formula"), str) and doc["formula"] != "tian":
        bits.append(f"formula {doc['formula']} (deliberately wrong)")
    alpha = doc.get("alpha")
    alpha_text = f" at alpha = {alpha:g}" if _is_number(alpha) else ""
    bits.append(f"{failed} of {len(cases)} cases rejected{alpha_text}")
    inconclusive = sum(1 for c in cases if c.get("inconclusive"))
    if inconclusive:
        bits.append(f"{inconclusive} inconclusive")
    return "; ".join(bits)


def rejected_label(doc):
    alpha = doc.get("alpha")
    return f"rejected (Holm, alpha = {alpha:g})" if _is_number(alpha) else "rejected"


def empty_figure(path, title, message):
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.axis("off")
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, transform=ax.transAxes)
    save(fig, path)


def save(fig, path):
    try:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    except OSError as e:
        plt.close(fig)
        print(f"plot_results.py: cannot write {path}: {e}", file=sys.stderr)
        sys.exit(1)
    plt.close(fig)


def fmt_angle(a):
    for t, label in PI_TICKS:
        if abs(a - t) < 1e-9:
            return label
    return f"{a:.3g}"


def tidy_log_y(ax):
    """Readable tick labels on a log y axis that spans less than about a decade and a half, where the
    default labels are a lone power of ten or a crowd of 5x10^-1 style labels."""
    if ax.get_yscale() != "log":
        return
    lo, hi = ax.get_ylim()
    if not (lo > 0 and hi > lo):
        return
    decades = math.log10(hi / lo)
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.3g}")
    if decades < 0.5:
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
        ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.yaxis.set_major_formatter(plain)
    elif decades < 1.5:

        def sparse(v, _):
            m = v / 10 ** math.floor(math.log10(v) + 1e-9)
            return f"{v:.3g}" if any(abs(m - k) < 1e-6 for k in (1, 2, 3, 5)) else ""

        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(sparse))


PI_TICKS = [(0.0, "0"), (math.pi / 6, "π/6"), (math.pi / 3, "π/3"), (math.pi / 2, "π/2"),
            (2 * math.pi / 3, "2π/3"), (5 * math.pi / 6, "5π/6"), (math.pi, "π")]


# ---------------------------------------------------------------------------------------------
# Plot 1: relative error against the angle


def plot_rel_error_vs_angle(doc, cases, path):
    title = "Relative error |estimate − closed form| / |closed form| against the angle"
    grid = [c for c in cases if c["angle"] is not None]
    if not grid:
        empty_figure(path, title, "no cases on the angle grid\n(random and --weights cases have no angle)")
        return

    quantities = quantity_order(c["quantity"] for c in grid)
    dims = sorted({c["d"] for c in grid})
    groups = defaultdict(list)
    for c in grid:
        groups[(c["quantity"], c["d"])].append(c)

    # A line's colour is the student norm |w|. Where a quantity's grid also varies the ratio |w*|/|w|
    # or the shape K, K*, each combination is a line of its own, told apart by marker and line style,
    # so that one norm's line does not zig-zag between them. Variation is judged within a quantity:
    # gating has no teacher (ratio null), which is not a second ratio next to grad's and loss's.
    def varies(name):
        return any(len({c[name] for c in grid if c["quantity"] == q}) > 1 for q in quantities)

    vary_ratio = varies("ratio")
    vary_shape = varies("K") or varies("K_star")

    def variant(c):
        if not (vary_ratio or vary_shape):
            return None
        if c["quantity"] == "gating":
            return ("gating",)
        return ("", c["ratio"] if vary_ratio else None, (c["K"], c["K_star"]) if vary_shape else None)

    def variant_label(v):
        if v[0] == "gating":
            return "gating (no teacher)"
        _, ratio, shape = v
        parts = []
        if vary_ratio:
            parts.append(f"|w*|/|w| = {fmt_num(ratio)}" if ratio is not None else "no ratio")
        if vary_shape:
            parts.append(f"K = {shape[0]}, K* = {shape[1]}")
        return ", ".join(parts)

    def sort_key(v):
        return tuple(-math.inf if x is None else (sort_key(x) if isinstance(x, tuple) else x) for x in v)

    def series_key(c):
        return (c["norm"], variant(c))

    norms = sorted({c["norm"] for c in grid})
    variants = sorted({variant(c) for c in grid if variant(c) is not None}, key=sort_key)
    cmap = plt.get_cmap("tab10" if len(norms) <= 10 else "tab20")
    markers = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "*"]
    line_styles = ["-", "--", ":", "-."]
    norm_color = {n: cmap(i % cmap.N) for i, n in enumerate(norms)}

    def style(key):
        norm, v = key
        if v is None:
            i = norms.index(norm)
            return dict(color=norm_color[norm], marker=markers[i % len(markers)], ls="-")
        i = variants.index(v)
        return dict(color=norm_color[norm], marker=markers[i % len(markers)], ls=line_styles[i % len(line_styles)])

    all_keys = sorted({series_key(c) for c in grid}, key=lambda k: (k[0], sort_key(k[1]) if k[1] else ()))

    nrows, ncols = len(quantities), len(dims)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.3 * ncols + 0.5, 3.3 * nrows + 0.6), squeeze=False, sharex=True, sharey="row"
    )
    used_keys = set()
    any_rejected = False
    any_inconclusive = False
    for r, q in enumerate(quantities):
        for col, d in enumerate(dims):
            ax = axes[r][col]
            members = groups.get((q, d), [])
            ax.set_xlim(-0.12, math.pi + 0.12)
            ax.set_xticks([t for t, _ in PI_TICKS])
            ax.set_xticklabels([s for _, s in PI_TICKS])
            ax.grid(True, which="major", alpha=0.3)
            if r == nrows - 1:
                ax.set_xlabel("angle θ (rad)")
            if col == 0:
                ax.set_ylabel(f"{q}\nrelative error")
            if not members:
                ax.set_title(f"{q}, d = {d}")
                ax.text(0.5, 0.5, "no cases", ha="center", va="center", transform=ax.transAxes, color="gray")
                continue
            n_max = max(c["samples"] for c in members)
            at_n = [c for c in members if c["samples"] == n_max]
            ax.set_title(f"{q}, d = {d}, N = {fmt_n(n_max)}")
            by_series = defaultdict(list)
            for c in at_n:
                by_series[series_key(c)].append(c)
            drawn = 0
            for key in sorted(by_series, key=lambda k: all_keys.index(k)):
                pts = sorted((c for c in by_series[key] if plottable(c["rel_error"])), key=lambda c: c["angle"])
                if not pts:
                    continue
                used_keys.add(key)
                xs = [c["angle"] for c in pts]
                ys = [c["rel_error"] for c in pts]
                ax.plot(xs, ys, lw=1.4, ms=5, alpha=0.9, **style(key))
                drawn += len(pts)
                bad = [c for c in pts if c["passed"] is False]
                if bad:
                    any_rejected = True
                    ax.plot([c["angle"] for c in bad], [c["rel_error"] for c in bad], "x", color="red",
                            ms=12, mew=2.5, zorder=5)
                open_ = [c for c in pts if c["inconclusive"]]
                if open_:
                    any_inconclusive = True
                    ax.plot([c["angle"] for c in open_], [c["rel_error"] for c in open_], "o", mfc="none",
                            mec="dimgray", ms=11, mew=1.5, zorder=5)
            zero_cf = [c for c in at_n if c["rel_error"] is None]
            notes = []
            if zero_cf:
                angles = sorted({c["angle"] for c in zero_cf})
                where = ", ".join(fmt_angle(a) for a in angles[:4]) + (", …" if len(angles) > 4 else "")
                notes.append(f"{len(zero_cf)} case(s) with closed form 0\nnot drawn (θ = {where})")
            zero_err = [c for c in at_n if c["rel_error"] is not None and c["rel_error"] <= 0]
            if zero_err:
                notes.append(f"{len(zero_err)} case(s) with error exactly 0 not drawn")
            bad_hidden = [c for c in at_n if c["passed"] is False and not plottable(c["rel_error"])]
            if bad_hidden:
                any_rejected = True
                notes.append(f"{len(bad_hidden)} REJECTED case(s) not drawable on a log axis")
            if notes:
                ax.text(0.02, 0.02, "\n".join(notes), transform=ax.transAxes, fontsize=7.5, color="dimgray",
                        va="bottom", ha="left", bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8),
                        zorder=6)
            if drawn:
                ax.set_yscale("log")
            else:
                ax.text(0.5, 0.5, "no finite relative errors", ha="center", va="center", transform=ax.transAxes,
                        color="gray")

    for row in axes:
        for ax in row:
            tidy_log_y(ax)
    used_norms = [n for n in norms if any(k[0] == n for k in used_keys)]
    used_variants = [v for v in variants if any(k[1] == v for k in used_keys)]
    if not variants:
        handles = [Line2D([], [], lw=1.4, ms=5, **style((n, None))) for n in used_norms]
    else:
        handles = [Line2D([], [], lw=2, color=norm_color[n]) for n in used_norms]
    labels = [f"|w| = {fmt_num(n)}" for n in used_norms]
    for v in used_variants:
        st = style((norms[0], v))
        handles.append(Line2D([], [], lw=1.4, ms=6, color="black", marker=st["marker"], ls=st["ls"]))
        labels.append(variant_label(v))
    if any_rejected:
        handles.append(Line2D([], [], ls="none", marker="x", color="red", ms=10, mew=2.5))
        labels.append(rejected_label(doc))
    if any_inconclusive:
        handles.append(Line2D([], [], ls="none", marker="o", mfc="none", mec="dimgray", ms=10, mew=1.5))
        labels.append("inconclusive:\ntoo few effective samples")
    if handles:
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=True, fontsize=9)
    fig.suptitle(f"{title}\n(largest N per panel; {subtitle(doc, cases)})", fontsize=11)
    fig.tight_layout()
    save(fig, path)


# ---------------------------------------------------------------------------------------------
# Plot 2: relative error against N


def plot_error_vs_samples(doc, cases, path):
    title = "Relative error against the number of samples N"
    quantities = quantity_order(c["quantity"] for c in cases)
    if not quantities:
        empty_figure(path, title, "no cases in results.json")
        return
    dims = sorted({c["d"] for c in cases})
    palette = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive",
               "tab:cyan", "tab:gray"]
    dim_color = {d: palette[i % len(palette)] for i, d in enumerate(dims)}

    ncols = len(quantities)
    fig, axes = plt.subplots(1, ncols, figsize=(4.8 * ncols + 0.5, 4.8), squeeze=False)
    any_rejected = False
    any_reference = False
    dims_drawn = set()
    for col, q in enumerate(quantities):
        ax = axes[0][col]
        members = [c for c in cases if c["quantity"] == q]
        pts = [c for c in members if plottable(c["rel_error"])]
        ax.grid(True, which="major", alpha=0.3)
        ax.grid(True, which="minor", alpha=0.1)
        ax.set_xlabel("samples N")
        if col == 0:
            ax.set_ylabel("relative error")
        if not pts:
            ax.set_title(f"{q}: no finite relative errors")
            ax.text(0.5, 0.5, "no finite relative errors", ha="center", va="center", transform=ax.transAxes,
                    color="gray")
            continue
        ax.set_xscale("log")
        ax.set_yscale("log")

        ns = sorted({c["samples"] for c in pts})
        # The faint points, spread a little sideways (in log N) so that they do not pile up.
        rng = np.random.default_rng(0)
        spread = 0.06 if len(ns) > 1 else 0.03
        for d in dims:
            sel = [c for c in pts if c["d"] == d]
            if not sel:
                continue
            dims_drawn.add(d)
            x = np.array([c["samples"] for c in sel], dtype=float) * 10 ** rng.uniform(-spread, spread, len(sel))
            y = np.array([c["rel_error"] for c in sel])
            ax.scatter(x, y, s=14, color=dim_color[d], alpha=0.35, linewidths=0)
            bad = [i for i, c in enumerate(sel) if c["passed"] is False]
            if bad:
                any_rejected = True
                ax.plot(x[bad], y[bad], "x", color="red", ms=10, mew=2.2, zorder=5)

        gmeans = [geometric_mean([c["rel_error"] for c in pts if c["samples"] == n]) for n in ns]
        ax.plot(ns, gmeans, "-o", color="black", lw=2, ms=6, zorder=4)
        counts = {n: sum(1 for c in pts if c["samples"] == n) for n in ns}
        skipped = len(members) - len(pts)
        note = f"{len(pts)} cases" + (f"; {skipped} without a relative error" if skipped else "")
        if len(ns) >= 2:
            slope = fit_slope(ns, gmeans)
            n_lo, n_hi = ns[0], ns[-1]
            ref_x = np.array([n_lo, n_hi], dtype=float)
            ax.plot(ref_x, gmeans[0] * (ref_x / n_lo) ** -0.5, "--", color="tab:red", lw=1.5, zorder=3)
            any_reference = True
            ax.set_title(f"{q}: fitted slope {slope:.3f} (theory −0.5)".replace("-", "−"))
            ax.set_xlim(n_lo / 10 ** 0.25, n_hi * 10 ** 0.25)
        else:
            n = ns[0]
            ax.set_title(f"{q}: one N only (N = {fmt_n(n)})")
            ax.set_xlim(n / 10 ** 0.5, n * 10 ** 0.5)
        ax.set_xticks(ns)
        ax.set_xticklabels([fmt_n(n) for n in ns])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        tidy_log_y(ax)
        ax.text(0.02, 0.02, note + ("\nper N: " + ", ".join(f"{fmt_n(n)}: {counts[n]}" for n in ns)
                                    if len(set(counts.values())) > 1 else ""),
                transform=ax.transAxes, fontsize=8, color="dimgray", va="bottom", ha="left",
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8), zorder=6)

    handles = [Line2D([], [], ls="none", marker="o", ms=5, color=dim_color[d], alpha=0.5) for d in dims
               if d in dims_drawn]
    labels = [f"cases, d = {d}" for d in dims if d in dims_drawn]
    handles.append(Line2D([], [], ls="-", marker="o", color="black", lw=2, ms=6))
    labels.append("geometric mean per N")
    if any_reference:
        handles.append(Line2D([], [], ls="--", color="tab:red", lw=1.5))
        labels.append("$N^{-1/2}$ through the smallest N")
    if any_rejected:
        handles.append(Line2D([], [], ls="none", marker="x", color="red", ms=10, mew=2.2))
        labels.append(rejected_label(doc))
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=True, fontsize=9)
    fig.suptitle(f"{title}\n({subtitle(doc, cases)})", fontsize=11)
    fig.tight_layout()
    save(fig, path)


# ---------------------------------------------------------------------------------------------


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr if len(argv) != 2 else sys.stdout)
        return 0 if len(argv) == 2 else 2
    out_dir = argv[1]
    if not os.path.isdir(out_dir):
        print(f"plot_results.py: {out_dir}: no such directory", file=sys.stderr)
        return 2
    path = os.path.join(out_dir, "results.json")
    try:
        doc, cases = load_results(path)
    except Malformed as e:
        print(f"plot_results.py: {e}", file=sys.stderr)
        return 2

    angle_png = os.path.join(out_dir, "rel_error_vs_angle.png")
    samples_png = os.path.join(out_dir, "error_vs_samples.png")
    plot_rel_error_vs_angle(doc, cases, angle_png)
    print(angle_png)
    plot_error_vs_samples(doc, cases, samples_png)
    print(samples_png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
