#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Table and plot of the measured deviation of a non-Gaussian input from the scaled closed form.

Usage: python3 host/plots/plot_input_deviation.py DIR

Reads DIR/results.json, written by `relumc verify --input cube --out DIR` (any run with measured
cases), and writes:

  DIR/input_deviation.csv   one row per (quantity, d): cases, the relative deviation |mc - cf|/|cf|,
                            its noise level (the standard error), the deviation with the noise taken
                            out (each the root mean square over the cases of that d), and the largest
                            per-component |z| (for a vector of d components, ~3-4 from noise alone)
  DIR/input_deviation.png   relative deviation against d (log-log), one panel per quantity: each case
                            with its standard error, the noise-corrected deviation per d, the noise
                            level, and a 1/d line for reference

and prints the table. The estimate's noise adds to the Euclidean deviation of a vector quantity:
E|mc - cf|^2 = |true deviation|^2 + sum of the component variances (whatever their correlation),
so the noise-corrected deviation is sqrt(max(0, rel_error^2 - rel_deviation_se^2)), per case, and
its root mean square over the cases of one d. For the loss (a scalar) rel_deviation_se is the exact
standard error of the deviation.

Needs only the standard library, numpy and matplotlib (Debian: python3-numpy, python3-matplotlib).
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

QUANTITIES = ("loss", "grad", "gating")


def fail(msg):
    print(f"plot_input_deviation.py: {msg}", file=sys.stderr)
    sys.exit(2)


def number(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def load(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        fail(f"{path}: no such file (run `relumc verify --input cube --out DIR` first)")
    except (OSError, ValueError) as e:
        fail(f"{path}: cannot read: {e}")
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        fail(f"{path}: no \"cases\" array at the top level")
    rows = []
    for i, c in enumerate(doc["cases"]):
        if not isinstance(c, dict) or c.get("measured") is not True:
            continue
        rel, se, z = number(c.get("rel_error")), number(c.get("rel_deviation_se")), number(c.get("max_abs_z"))
        if rel is None or se is None or not isinstance(c.get("d"), int) or not isinstance(c.get("quantity"), str):
            continue  # zero closed form: no relative deviation
        rows.append({"quantity": c["quantity"], "d": c["d"], "rel": rel, "se": se, "z": z or 0.0,
                     "corrected": math.sqrt(max(0.0, rel * rel - se * se))})
    if not rows:
        fail(f"{path}: no measured case with a relative deviation (run with --input cube)")
    return doc, rows


def summarize(rows):
    table = []
    for q in [q for q in QUANTITIES if any(r["quantity"] == q for r in rows)] + sorted(
            {r["quantity"] for r in rows} - set(QUANTITIES)):
        for d in sorted({r["d"] for r in rows if r["quantity"] == q}):
            sel = [r for r in rows if r["quantity"] == q and r["d"] == d]
            table.append({
                "quantity": q, "d": d, "cases": len(sel),
                "rel_deviation": float(np.sqrt(np.mean([r["rel"] ** 2 for r in sel]))),
                "noise_se": float(np.sqrt(np.mean([r["se"] ** 2 for r in sel]))),
                "corrected": float(np.sqrt(np.mean([r["corrected"] ** 2 for r in sel]))),
                "max_abs_z": max(r["z"] for r in sel),
            })
    return table


def write_table(table, path):
    cols = ["quantity", "d", "cases", "rel_deviation", "noise_se", "corrected", "max_abs_z"]
    lines = [",".join(cols)] + [",".join(f"{t[c]:.6g}" if isinstance(t[c], float) else str(t[c]) for c in cols)
                                for t in table]
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    print(f"{'quantity':<8} {'d':>5} {'cases':>5} {'rel dev':>10} {'noise se':>10} {'corrected':>10} {'max|z|':>7}   (rms over cases)")
    for t in table:
        print(f"{t['quantity']:<8} {t['d']:>5} {t['cases']:>5} {t['rel_deviation']:>10.3e} {t['noise_se']:>10.2e} "
              f"{t['corrected']:>10.3e} {t['max_abs_z']:>7.1f}")


def plot(doc, rows, table, path):
    quantities = list(dict.fromkeys(t["quantity"] for t in table))
    fig, axes = plt.subplots(1, len(quantities), figsize=(4.8 * len(quantities) + 0.4, 4.6), squeeze=False)
    for ax, q in zip(axes[0], quantities):
        sel = [r for r in rows if r["quantity"] == q]
        tq = [t for t in table if t["quantity"] == q]
        ds = np.array([t["d"] for t in tq], dtype=float)
        noise = np.array([t["noise_se"] for t in tq])
        corr = np.array([t["corrected"] for t in tq])
        x = np.array([r["d"] for r in sel], dtype=float) * np.exp(np.random.default_rng(0).uniform(-0.06, 0.06, len(sel)))
        ax.errorbar(x, [r["rel"] for r in sel], yerr=[r["se"] for r in sel], fmt="o", ms=3.5, color="tab:blue",
                    alpha=0.45, elinewidth=0.8, label="case: |mc - cf|/|cf| ± se")
        pos = corr > 0
        ax.plot(ds[pos], corr[pos], "-s", color="black", ms=5, lw=1.8, label="noise-corrected, rms per d")
        ax.plot(ds, noise, "--", color="gray", lw=1.2, label="noise level (se)")
        first = next((t for t in tq if t["corrected"] > 0), None)
        if first:
            ax.plot(ds, first["corrected"] * first["d"] / ds, ":", color="tab:red", lw=1.5, label="1/d")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("dimension d")
        ax.set_title(q)
        ax.grid(True, which="major", alpha=0.3)
        if ax is axes[0][0]:
            ax.set_ylabel("relative deviation from the 1/12-scaled Gaussian formula")
    axes[0][-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    n = sorted({c.get("samples") for c in doc["cases"] if isinstance(c, dict)})
    fig.suptitle(f"input {doc.get('input', '?')}: deviation from the variance-scaled closed form "
                 f"(N = {', '.join(f'{v:.0e}' for v in n if isinstance(v, int))}, seed {doc.get('seed')})", fontsize=11)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stdout if len(argv) == 2 else sys.stderr)
        return 0 if len(argv) == 2 else 2
    out_dir = argv[1]
    if not os.path.isdir(out_dir):
        fail(f"{out_dir}: no such directory")
    doc, rows = load(os.path.join(out_dir, "results.json"))
    table = summarize(rows)
    write_table(table, os.path.join(out_dir, "input_deviation.csv"))
    png = os.path.join(out_dir, "input_deviation.png")
    plot(doc, rows, table, png)
    print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
