#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plot the trajectory of `relumc landscape ode`.

Usage: python3 host/plots/plot_ode.py DIR

Reads DIR/ode_trajectory.csv and DIR/ode.json and draws DIR/ode.png: left, the loss J against t for the (Q, M)
summary-statistics flow and for the W flow on a log axis (they coincide to the integration error; a loss of exactly
0 is not drawn), with the fixed point's loss dotted; right, the order parameters M_jm = w_j . w*_m against t (one
line per student j and teacher row m, dashed by j + m so that coinciding curves stay visible), with the fixed point's values as marks at the right edge.

Needs only the standard library, numpy and matplotlib (Debian: python3-numpy, python3-matplotlib).
Exit status: 0 when the plot was drawn, 2 when DIR holds no trajectory.
"""

import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def column(rows, key):
    return np.array([float(r[key]) if r[key] != "" else np.nan for r in rows], dtype=float)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = os.path.join(argv[1], "ode_trajectory.csv")
    meta_path = os.path.join(argv[1], "ode.json")
    if not os.path.exists(path) or not os.path.exists(meta_path):
        print(f"plot_ode.py: no {path} or {meta_path}", file=sys.stderr)
        return 2
    with open(path) as f:
        rows = list(csv.DictReader(f))
    with open(meta_path) as f:
        meta = json.load(f)
    t = column(rows, "t")
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.4), constrained_layout=True)
    for key, label, style in (("loss", "(Q, M) flow", "-"), ("loss_w", "W flow", "--")):
        y = column(rows, key)
        y = np.where(y > 0, y, np.nan)
        ax.plot(t, y, style, linewidth=1.4, label=label)
    fp = meta["fixed_point"]
    if fp["loss"] is not None and fp["loss"] > 0:
        ax.axhline(fp["loss"], color="gray", linestyle=":", linewidth=1.0,
                   label=f"fixed point: {fp['stability']}, loss {fp['loss']:.4g}")
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel("J")
    ax.set_title(f"loss (K = {meta['K']}, K* = {meta['Kstar']}, RK4 dt = {meta['spec']['dt_used']:.3g}; "
                 f"max |x - x(W)| = {meta['max_deviation']:.2g})", fontsize=9)
    ax.legend(fontsize=8)
    M_end = fp["M"]
    for j in range(meta["K"]):
        for m in range(meta["Kstar"]):
            # Dash styles by teacher row: symmetric runs have coinciding curves that must stay visible.
            line, = bx.plot(t, column(rows, f"M_{j}_{m}"), ("-", "--", ":", "-.")[(j + m) % 4], linewidth=1.4,
                            label=f"M_{j}{m}")
            if M_end[j][m] is not None:
                bx.plot([t[-1]], [M_end[j][m]], "o", color=line.get_color(), markersize=4)
    bx.set_xlabel("t")
    bx.set_ylabel("M_jm = w_j . w*_m")
    bx.set_title("order parameters (dots: the fixed point)", fontsize=9)
    if meta["K"] * meta["Kstar"] <= 16:
        bx.legend(fontsize=7, ncol=2)
    out = os.path.join(argv[1], "ode.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
