#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plot the outputs of `relumc dynamics`.

Usage: python3 host/plots/plot_dynamics.py DIR

Draws into DIR every plot whose inputs are there:

  radius.png       (--experiment one-relu-radius) per d: share of runs reaching w*, share of starts
                   inside |w - w*| < |w*|, both with 95% Wilson intervals, and the paper's bound
                   (1 - eps)/2, against eps (initial radius eps sqrt(2 pi/(d+1)) |w*|)
  symmetry.png     (--experiment symmetry-breaking) the K = 2 (x, y) vector field with trajectories;
                   steps to recover and share recovered against the perturbation delta, per K
  batch_gap.png    (--experiment batch-gap) RMS gap |W_sgd - W_pop| against B (log-log, with the
                   B^-1/2 line); gap and loss along the first runs
  trajectories.png (a plain `relumc dynamics` run) loss and max_j |w_j - w*_pi(j)| against the step

Needs only the standard library, numpy and matplotlib (Debian: python3-numpy, python3-matplotlib).
Exit status: 0 when at least one plot was drawn, 2 when DIR holds nothing to plot.
"""

import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402



def annotate_axis(ax, xlabel, ylabel, title):
    """Axis labels, title and a small legend: every panel with several curves gets the same."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7)

def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(s):
    return float(s) if s not in ("", None) else math.nan


def plot_radius(d, out):
    rows = read_csv(os.path.join(d, "radius.csv"))
    dims = sorted({int(r["d"]) for r in rows})
    fig, axes = plt.subplots(1, len(dims), figsize=(4.2 * len(dims), 3.6), sharey=True)
    for ax, dim in zip(np.atleast_1d(axes), dims):
        rs = [r for r in rows if int(r["d"]) == dim]
        eps = np.array([num(r["eps"]) for r in rs])
        for key, label, color in (("recovered", "reached w* (population GD)", "C0"),
                                  ("inside", "started inside |w - w*| < |w*|", "C1")):
            share = np.array([num(r["share_" + key]) for r in rs])
            lo = np.array([num(r[key + "_lo"]) for r in rs])
            hi = np.array([num(r[key + "_hi"]) for r in rs])
            ax.errorbar(eps, share, yerr=[np.maximum(share - lo, 0), np.maximum(hi - share, 0)], fmt="o-", ms=3, capsize=2, color=color, label=label)
        e = np.linspace(0, 1, 50)
        ax.plot(e, (1 - e) / 2, "k--", label="paper's bound (1 - eps)/2")
        ax.set_xscale("log")
        ax.set_title(f"one ReLU, d = {dim} ({rs[0]['runs']} runs/point)")
        ax.set_xlabel("eps  (radius = eps sqrt(2 pi/(d+1)) |w*|)")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("share of runs (95% Wilson)")
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="center left")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def plot_symmetry(d, out):
    field = read_csv(os.path.join(d, "vector_field.csv"))
    traj = read_csv(os.path.join(d, "xy_trajectories.csv"))
    brk = read_csv(os.path.join(d, "symmetry_breaking.csv"))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    ax = axes[0]
    x = np.array([num(r["x"]) for r in field])
    y = np.array([num(r["y"]) for r in field])
    dx = np.array([num(r["dx"]) for r in field])
    dy = np.array([num(r["dy"]) for r in field])
    speed = np.hypot(dx, dy)
    ax.quiver(x, y, dx / (speed + 1e-300), dy / (speed + 1e-300), color="0.55", angles="xy", scale=30,
              width=0.004)  # directions only: the speed spans orders of magnitude
    for s in sorted({r["start"] for r in traj}, key=int):
        t = [r for r in traj if r["start"] == s]
        ax.plot([num(r["x"]) for r in t], [num(r["y"]) for r in t], "-", color="C3", lw=1)
        ax.plot(num(t[0]["x"]), num(t[0]["y"]), "o", color="C3", ms=3)
    ax.plot([1, 0], [0, 1], "k*", ms=10, label="teacher (up to permutation)")
    ends_path = os.path.join(d, "symmetry_endpoints.csv")
    if os.path.exists(ends_path):
        sym = [r for r in read_csv(ends_path) if r["K"] == "2" and r["outcome"] == "stalled"]
        if sym:
            ax.plot([num(r["x_end"]) for r in sym], [num(r["y_end"]) for r in sym], "kX", ms=8,
                    label="stalled: symmetric critical point")
    ax.plot([-0.5, 1.5], [-0.5, 1.5], "k:", lw=0.8, label="x = y (invariant)")
    ax.set_xlim(-0.55, 1.55)
    ax.set_ylim(-0.55, 1.55)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("K = 2: w_j = x w*_j + y w*_j', field -dL/d(x, y)")
    ax.legend(fontsize=7, loc="lower left")
    Ks = sorted({int(r["K"]) for r in brk})
    for K in Ks:
        rs = [r for r in brk if int(r["K"]) == K]
        delta = np.array([num(r["delta"]) for r in rs])
        med = np.array([num(r["steps_median"]) for r in rs])
        q1 = np.array([num(r["steps_q25"]) for r in rs])
        q3 = np.array([num(r["steps_q75"]) for r in rs])
        axes[1].errorbar(delta, med, yerr=[np.maximum(med - q1, 0), np.maximum(q3 - med, 0)], fmt="o-", ms=3, capsize=2, label=f"K = {K}")
        share = np.array([num(r["share_recovered"]) for r in rs])
        lo = np.array([num(r["recovered_lo"]) for r in rs])
        hi = np.array([num(r["recovered_hi"]) for r in rs])
        axes[2].errorbar(delta, share, yerr=[np.maximum(share - lo, 0), np.maximum(hi - share, 0)], fmt="o-", ms=3, capsize=2, label=f"K = {K}")
    axes[1].set_xscale("log")
    annotate_axis(axes[1], "perturbation delta (from x = y = 0.5)", "steps to recover the teacher (median, IQR)", "symmetry breaking: time ~ a + b ln(1/delta)")
    axes[2].set_xscale("log")
    axes[2].set_ylim(-0.05, 1.05)
    annotate_axis(axes[2], "perturbation delta", "share recovered (95% Wilson)", f"how often symmetry breaks ({brk[0]['runs']} runs/point)")
    for a in axes[1:]:
        a.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def plot_batch_gap(d, out):
    rows = read_csv(os.path.join(d, "batch_gap.csv"))
    traj = read_csv(os.path.join(d, "batch_gap_trajectories.csv"))
    B = np.array([num(r["batch"]) for r in rows])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.0))
    ax = axes[0]
    for key, label in (("rms_max_gap", "RMS of max_t gap"), ("rms_final_gap", "RMS of final gap")):
        ax.loglog(B, [num(r[key]) for r in rows], "o-", label=label)
    ref = num(rows[-1]["rms_max_gap"]) * np.sqrt(B[-1] / B)
    ax.loglog(B, ref, "k--", label="B^-1/2")
    annotate_axis(ax, "batch size B", "|W_sgd - W_pop|_F", f"gap to the population run ({rows[0]['runs']} runs/B)")
    ax.grid(alpha=0.3, which="both")
    batches = sorted({int(r["batch"]) for r in traj})
    for b in batches:
        t = [r for r in traj if int(r["batch"]) == b and r["run"] == "0"]
        steps = [num(r["step"]) for r in t]
        label = "population" if b == 0 else f"B = {b}"
        axes[2].semilogy(steps, [max(num(r["loss"]), 1e-18) for r in t], label=label, lw=2 if b == 0 else 1,
                         color="k" if b == 0 else None)
        if b > 0:  # step 0: both runs start at the same W (gap 0), not drawn on the log axis
            axes[1].semilogy(steps[1:], [num(r["gap"]) for r in t[1:]], label=label)
    annotate_axis(axes[1], "step", "|W_sgd - W_pop|_F (run 0)", "gap along the run")
    annotate_axis(axes[2], "step", "population loss (run 0)", "loss: population vs sampled gradient")
    for a in axes[1:]:
        a.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def plot_trajectories(d, out):
    rows = read_csv(os.path.join(d, "trajectories.csv"))
    dist_keys = [k for k in rows[0] if k.startswith("dist_")]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    runs = sorted({int(r["run"]) for r in rows})[:50]
    for run in runs:
        t = [r for r in rows if int(r["run"]) == run]
        steps = [num(r["step"]) for r in t]
        axes[0].semilogy(steps, [max(num(r["loss"]), 1e-18) for r in t], lw=0.8)
        md = [np.nanmax([num(r[k]) for k in dist_keys]) for r in t]
        axes[1].semilogy(steps, [max(v, 1e-18) for v in md], lw=0.8)
    axes[0].set_ylabel("population loss")
    axes[1].set_ylabel("max_j |w_j - w*_pi(j)|")
    for a in axes:
        a.set_xlabel("step")
        a.grid(alpha=0.3)
    fig.suptitle(f"{len(runs)} run(s)")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    d = sys.argv[1]
    jobs = [
        (("radius.csv",), plot_radius, "radius.png"),
        (("vector_field.csv", "xy_trajectories.csv", "symmetry_breaking.csv"), plot_symmetry, "symmetry.png"),
        (("batch_gap.csv", "batch_gap_trajectories.csv"), plot_batch_gap, "batch_gap.png"),
        (("trajectories.csv",), plot_trajectories, "trajectories.png"),
    ]
    drawn = 0
    for needs, fn, name in jobs:
        if all(os.path.exists(os.path.join(d, n)) for n in needs):
            fn(d, os.path.join(d, name))
            print(f"wrote {os.path.join(d, name)}")
            drawn += 1
    if not drawn:
        print(f"plot_dynamics.py: nothing to plot in {d}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
