#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plot the map of `relumc landscape tian-l --map`.

Usage: python3 host/plots/plot_tian_l.py DIR

Reads DIR/tian_l_map.json and draws DIR/tian_l_map.png: L_12 and L_21 (Tian, ICML 2017; the author's
fig_verify.py) over the teacher angle phi in [0, 2 pi] (x) and the angle theta in [0, pi] between the two
students (y, downwards as in fig_verify.py), a diverging colour map centred at 0, the zero crossing drawn
(contour at 0, black) and the line phi = theta (the teacher on student 2, where L vanishes; blue).

Needs only the standard library, numpy and matplotlib (Debian: python3-numpy, python3-matplotlib).
Exit status: 0 when the plot was drawn, 2 when DIR holds no map.
"""

import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def grid(rows):
    return np.array([[math.nan if v is None else v for v in row] for row in rows], dtype=float)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = os.path.join(argv[1], "tian_l_map.json")
    if not os.path.exists(path):
        print(f"plot_tian_l.py: no {path}", file=sys.stderr)
        return 2
    with open(path) as f:
        m = json.load(f)
    phi = np.array(m["phi"], dtype=float)
    theta = np.array(m["theta"], dtype=float)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
    for ax, key in zip(axes, ("L_12", "L_21")):
        z = grid(m[key])
        lim = np.nanmax(np.abs(z)) if np.isfinite(z).any() else 1.0
        im = ax.pcolormesh(phi, theta, z, shading="auto", cmap="RdBu_r", vmin=-lim, vmax=lim)
        if np.isfinite(z).any() and np.nanmin(z) < 0 < np.nanmax(z):
            # L vanishes identically on phi = 0, 2 pi and theta = pi; there rounding leaves +-1e-16 specks,
            # drawn as zero crossings unless snapped to 0 (a 1e-12 relative band, far below the values).
            zc = np.where(np.abs(z) <= 1e-12 * lim, 0.0, z)
            ax.contour(phi, theta, np.ma.masked_invalid(zc), levels=[0.0], colors="k", linewidths=1.2)
        ax.plot(theta, theta, color="b", linewidth=1.0, linestyle="--", label="phi = theta")
        ax.set_xlim(0, 2 * math.pi)
        ax.set_ylim(math.pi, 0)
        ax.set_xlabel("phi (teacher angle)")
        ax.set_ylabel("theta (student 2 angle)")
        ax.set_title(f"{key.replace('_', '')}: black = zero crossing")
        ax.legend(loc="lower right", fontsize=8)
        fig.colorbar(im, ax=ax)
    out = os.path.join(argv[1], "tian_l_map.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
