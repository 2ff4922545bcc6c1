#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plot and tabulate censuses written by `relumc landscape census` (examples/landscape/*.sh).

Usage: python3 plot_census.py table OUT      # OUT/k{k}_K{K}/census.json -> OUT/census_table.{png,md}
       python3 plot_census.py families OUT   # OUT/k17_K{K}/census.json -> OUT/census_families.{png,md}

table: the spurious share with its 95% Wilson interval against k, for K = k and K = k + 1.
families: per K, the share of runs at the global minimum (Wilson) and the runs of each family by k1.
Needs matplotlib only (Debian python3-matplotlib). Exit status 0, or 2 when OUT holds no census.
"""

import glob
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(out):
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "k*_K*", "census.json"))):
        m = re.search(r"k(\d+)_K(\d+)", path)
        with open(path) as f:
            j = json.load(f)
        j["_k"], j["_K"] = int(m.group(1)), int(m.group(2))
        rows.append(j)
    rows.sort(key=lambda j: (j["_k"], j["_K"]))
    return rows


def families_text(j, spurious_only=True):
    parts = []
    for f in j["families"]:
        if spurious_only and f["loss"] < j["spec"]["spurious_loss"]:
            continue
        parts.append(f"{f['k1']} ({f['runs']})" + ("" if f["kind"] == "minimum" else f" {f['kind']}"))
    return ", ".join(parts) if parts else "none"


def pct(x):
    return f"{100 * x:.1f}"


def table(out, rows):
    md = ["| k | K | runs | global (at a kink) | spurious % [95% Wilson] | saddles | kinks | not critical | "
          "spurious families: k1 (runs) | seconds |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for j in rows:
        lo, hi = j["share_spurious_ci95_wilson"]
        md.append(f"| {j['_k']} | {j['_K']} | {j['runs']} | {j['global']} ({j['global_kinks']}) | "
                  f"{pct(j['share_spurious'])} [{pct(lo)}, {pct(hi)}] | {j['saddles']} | {j['kinks']} | "
                  f"{j['not_critical']} | {families_text(j)} | {j['run']['seconds']:.1f} |")
    with open(os.path.join(out, "census_table.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for over, colour, label in [(0, "tab:red", "K = k"), (1, "tab:blue", "K = k + 1")]:
        sel = [j for j in rows if j["_K"] - j["_k"] == over]
        if not sel:
            continue
        ks = [j["_k"] + 0.12 * (over - 0.5) for j in sel]
        y = [100 * j["share_spurious"] for j in sel]
        lo = [max(0.0, 100 * (j["share_spurious"] - j["share_spurious_ci95_wilson"][0])) for j in sel]
        hi = [max(0.0, 100 * (j["share_spurious_ci95_wilson"][1] - j["share_spurious"])) for j in sel]
        runs = sorted({j["runs"] for j in sel})
        ax.errorbar(ks, y, yerr=[lo, hi], fmt="o-", color=colour, capsize=3,
                    label=f"{label} ({'/'.join(map(str, runs))} runs each)")
    seed = rows[0]["spec"]["seed"]
    ax.set_xlabel("teacher rows k (d = k)")
    ax.set_ylabel("runs ending at a spurious minimum (%)")
    ax.set_title(f"relumc landscape census: spurious share, 95% Wilson bars (seed {seed}, {rows[0]['spec']['init'].split(',')[0]} starts)",
                 fontsize=9)
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "census_table.png"), dpi=120)
    print(f"wrote {out}/census_table.png, {out}/census_table.md")


def families(out, rows):
    md = ["| M | K | runs | global % [95% Wilson] (at a kink) | spurious | saddles | not critical | "
          "families: k1 (runs), loss | seconds |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for j in rows:
        lo, hi = j["share_global_ci95_wilson"]
        fams = ", ".join(f"{f['k1']} ({f['runs']}) {f['loss']:.4g}" + ("" if f["kind"] == "minimum" else f" {f['kind']}")
                         for f in j["families"])
        md.append(f"| {j['_k']} | {j['_K']} | {j['runs']} | {pct(j['share_global'])} [{pct(lo)}, {pct(hi)}] "
                  f"({j['global_kinks']}) | {j['spurious']} | {j['saddles']} | {j['not_critical']} | {fams} | "
                  f"{j['run']['seconds']:.1f} |")
    with open(os.path.join(out, "census_families.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [1, 2.2]})
    Ks = [j["_K"] for j in rows]
    g = [100 * j["share_global"] for j in rows]
    lo = [max(0.0, 100 * (j["share_global"] - j["share_global_ci95_wilson"][0])) for j in rows]
    hi = [max(0.0, 100 * (j["share_global_ci95_wilson"][1] - j["share_global"])) for j in rows]
    a1.errorbar(Ks, g, yerr=[lo, hi], fmt="o", color="black", capsize=4)
    a1.set_xticks(Ks)
    a1.set_xlabel(f"students K (M = {rows[0]['_k']} teacher rows)")
    a1.set_ylabel("runs reaching the global minimum (%)")
    a1.set_ylim(-2, 102)
    a1.grid(alpha=0.3)
    k1max = max([f["k1"] for j in rows for f in j["families"]] + [1])
    width = 0.8 / len(rows)
    colours = ["tab:red", "tab:blue", "tab:green", "tab:purple"]
    for i, j in enumerate(rows):
        counts = [0] * (k1max + 1)
        for f in j["families"]:
            if f["loss"] >= j["spec"]["spurious_loss"] and f["kind"] in ("minimum", "degenerate"):
                counts[f["k1"]] += f["runs"]
        xs = [k1 + (i - (len(rows) - 1) / 2) * width for k1 in range(k1max + 1)]
        a2.bar(xs, [100 * c / j["runs"] for c in counts], width=width, color=colours[i % 4],
               label=f"K = {j['_K']} ({j['runs']} runs)")
    a2.set_xticks(range(k1max + 1))
    a2.set_xlabel("k1 of the spurious minimum (students anti-aligned with their teacher row)")
    a2.set_ylabel("runs (%)")
    a2.grid(alpha=0.3, axis="y")
    a2.legend(fontsize=8)
    fig.suptitle(f"M = {rows[0]['_k']}: global share and spurious families by k1 (seed {rows[0]['spec']['seed']})",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "census_families.png"), dpi=120)
    print(f"wrote {out}/census_families.png, {out}/census_families.md")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("table", "families"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    rows = load(argv[2])
    if not rows:
        print(f"plot_census.py: no census under {argv[2]}", file=sys.stderr)
        return 2
    (table if argv[1] == "table" else families)(argv[2], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
