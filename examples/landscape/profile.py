#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Loss profiles of the landscape experiments (docs/landscape.md, "Experiments"), computed by relumc itself.

Usage: /usr/bin/python3 examples/landscape/profile.py {manifold,saddle,flat} --relumc BIN --dir DIR
                                                      [--samples N] [--seed S]

Every number comes from `relumc landscape hessian`: the closed-form loss J along a path (the line, one run
without Monte Carlo per point), and at a few points the Monte Carlo check (`--mc-samples N`): the MC loss with
its standard error (`mc_check.tests[loss].mc_estimate`, `mc_std_error`; stream 1 under one seed, so the points
share their samples: common random numbers) and the verdicts of every test. The paths:

  manifold  DIR/critical/critical.json (the out-of-plane critical point of manifold.sh): rotate the out-of-plane
            parts by phi in the (e_2, e_3) plane (the SO(d-2) orbit: J constant, gradient 0) and, for contrast,
            rotate e_0 towards e_2 by phi (it moves the teacher plane: J changes).
  saddle    DIR/k2/critical.json and DIR/k3/critical.json (the symmetric saddles of saddle.sh): W + t v, v the most
            negative eigenvector of the Hessian (from hessian.json), with J(W) + lambda t^2 / 2 beside it.
  flat      the split c e_0, (1 - c) e_0, e_1 against the teacher e_0, e_1 (d = 3) for c in [-0.5, 1.5]: loss 0 on
            [0, 1], c^2 / 2 and (c - 1)^2 / 2 outside; and the perpendicular null direction (t e_2, -t e_2, 0)
            at c = 1/2, where J grows like |t|^3.

Writes DIR/profile_<name>.csv (path, parameter, closed-form loss, MC loss, MC se, every verdict) and
DIR/landscape_<name>.png. Needs numpy and matplotlib (Debian: python3-numpy, python3-matplotlib).
Exit status: 0; 1 when a Monte Carlo check along the way did not pass where it should.
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def hessian(relumc, student, teacher, samples=0, seed=1):
    """relumc landscape hessian at one point; returns hessian.json."""
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "w.json")
        with open(weights, "w") as f:
            json.dump({"student": np.asarray(student).tolist(), "teacher": np.asarray(teacher).tolist()}, f)
        cmd = [relumc, "landscape", "hessian", "--weights", weights, "-o", os.path.join(tmp, "out"), "--quiet"]
        if samples:
            cmd += ["--mc-samples", str(samples), "--seed", str(seed)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"relumc failed ({r.returncode}): {r.stderr}")
        with open(os.path.join(tmp, "out", "hessian.json")) as f:
            return json.load(f)


def mc_loss(h):
    t = [x for x in h["mc_check"]["tests"] if x["name"] == "loss"][0]
    return t["mc_estimate"], t["mc_std_error"]


def verdicts(h):
    return " ".join(f"{t['name']}={t['verdict']}" for t in h["mc_check"]["tests"]) if "mc_check" in h else ""


def profile(relumc, path, line_params, mc_params, teacher, samples, seed):
    """Closed-form loss on line_params, MC loss on mc_params. path(p) -> student."""
    line = [hessian(relumc, path(p), teacher)["loss"] for p in line_params]
    mc = []
    for p in mc_params:
        h = hessian(relumc, path(p), teacher, samples, seed)
        est, se = mc_loss(h)
        mc.append((p, h["loss"], est, se, verdicts(h), h["mc_check"]["passed"]))
    return np.array(line, dtype=float), mc


def write_csv(path, rows):
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "parameter", "closed_form_loss", "mc_loss", "mc_std_error", "verdicts"])
        for r in rows:
            w.writerow(r)
    os.replace(path + ".tmp", path)


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=110)
    plt.close(fig)
    os.replace(path + ".tmp.png", path)


def errorbars(ax, mc, label):
    ax.errorbar([m[0] for m in mc], [m[2] for m in mc], yerr=[2 * m[3] for m in mc], fmt="o", ms=4, capsize=3,
                color="C3", label=label)


def manifold(a):
    with open(os.path.join(a.dir, "critical", "critical.json")) as f:
        c = json.load(f)
    W, T = np.array(c["student"]), np.array(c["teacher"])

    def rotate(i, k):
        def path(phi):
            M = W.copy()
            ci, si = math.cos(phi), math.sin(phi)
            M[:, i], M[:, k] = ci * W[:, i] - si * W[:, k], si * W[:, i] + ci * W[:, k]
            return M
        return path

    grid = np.linspace(0, 2 * math.pi, 73)
    pts = np.linspace(0, 2 * math.pi, 9)[:-1]
    orbit_line, orbit_mc = profile(a.relumc, rotate(2, 3), grid, pts, T, a.samples, a.seed)
    off_line, off_mc = profile(a.relumc, rotate(0, 2), grid, pts, T, a.samples, a.seed)
    nullity = [hessian(a.relumc, rotate(2, 3)(p), T)["nullity"] for p in pts]
    print(f"orbit (e_2, e_3): loss {orbit_line.min():.12f} .. {orbit_line.max():.12f}; nullity at the MC points {nullity}")
    print(f"e_0 towards e_2:  loss {off_line.min():.6f} .. {off_line.max():.6f}")
    for m in orbit_mc:
        print(f"  phi {m[0]:.3f}  J {m[1]:.6f}  MC {m[2]:.6f} +- {m[3]:.6f}  {m[4]}")
    rows = [["orbit", p, l, "", "", ""] for p, l in zip(grid, orbit_line)]
    rows += [["orbit", m[0], m[1], m[2], m[3], m[4]] for m in orbit_mc]
    rows += [["teacher-plane", p, l, "", "", ""] for p, l in zip(grid, off_line)]
    rows += [["teacher-plane", m[0], m[1], m[2], m[3], m[4]] for m in off_mc]
    write_csv(os.path.join(a.dir, "profile_manifold.csv"), rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    ax.plot(grid, orbit_line, color="C0", label="J along the orbit: out-of-plane parts rotated in (e_2, e_3)")
    errorbars(ax, orbit_mc, f"Monte Carlo, N = {a.samples} (2 se)")
    ax.plot(grid, off_line, color="0.5", ls="--", label="J when e_0 is rotated towards e_2 (not a symmetry)")
    errorbars(ax, off_mc, None)
    ax.set_ylim(0, 1.45 * max(off_line))
    ax.set_xlabel("rotation angle phi")
    ax.set_ylabel("loss J")
    ax.set_title(f"Out-of-plane critical point, d = {W.shape[1]}: a circle of critical points", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    ax = axes[1]
    ax.axhline(0, color="C0")
    ax.errorbar([m[0] for m in orbit_mc], [m[2] - m[1] for m in orbit_mc], yerr=[2 * m[3] for m in orbit_mc], fmt="o",
                ms=4, capsize=3, color="C3", label="MC loss - closed form (2 se)")
    ax.set_xlabel("rotation angle phi (along the orbit)")
    ax.set_ylabel("MC - closed form")
    ax.set_title("Along the orbit: the MC loss agrees with the constant J", fontsize=10)
    ax.legend(fontsize=8)
    save(fig, os.path.join(a.dir, "landscape_manifold.png"))
    return all(m[5] for m in orbit_mc)


def saddle(a):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    ok, rows = True, []
    for ax, name in zip(axes, ("k2", "k3")):
        with open(os.path.join(a.dir, name, "critical.json")) as f:
            c = json.load(f)
        W, T = np.array(c["student"]), np.array(c["teacher"])
        h = hessian(a.relumc, W, T)
        H = np.array(h["hessian"])
        lam, V = np.linalg.eigh(H)
        v = V[:, 0].reshape(W.shape)
        scale = np.linalg.norm(W)
        grid = np.linspace(-0.5, 0.5, 51) * scale
        pts = np.linspace(-0.5, 0.5, 9) * scale
        line, mc = profile(a.relumc, lambda t: W + t * v, grid, pts, T, a.samples, a.seed)
        print(f"{name}: K = {c['K']}, index {h['index']}, nullity {h['nullity']}, lambda_min {lam[0]:.6f}, J {h['loss']:.6f}")
        for m in mc:
            print(f"  t {m[0]:+.3f}  J {m[1]:.6f}  MC {m[2]:.6f} +- {m[3]:.6f}  {m[4]}")
        ok = ok and all(m[5] for m in mc)
        rows += [[name, p, l, "", "", ""] for p, l in zip(grid, line)]
        rows += [[name, m[0], m[1], m[2], m[3], m[4]] for m in mc]
        ax.plot(grid, line, color="C0", label="J(W + t v), closed form")
        ax.plot(grid, h["loss"] + 0.5 * lam[0] * grid ** 2, color="0.5", ls=":", label="J(W) + lambda_min t^2 / 2")
        errorbars(ax, mc, f"Monte Carlo, N = {a.samples} (2 se)")
        ax.set_xlabel("t along the most negative eigenvector v")
        ax.set_ylabel("loss J")
        ax.set_title(f"K = {c['K']} students on the diagonal: index {h['index']}, nullity {h['nullity']}")
        ax.legend(fontsize=8)
    write_csv(os.path.join(a.dir, "profile_saddle.csv"), rows)
    save(fig, os.path.join(a.dir, "landscape_saddle.png"))
    return ok


def flat(a):
    d = 3
    T = np.zeros((2, d))
    T[0, 0] = T[1, 1] = 1

    def split(c):
        W = np.zeros((3, d))
        W[0, 0], W[1, 0], W[2, 1] = c, 1 - c, 1
        return W

    def perp(t):
        W = split(0.5)
        W[0, 2], W[1, 2] = t, -t
        return W

    grid = np.linspace(-0.5, 1.5, 80)  # avoids c = 0 and c = 1 (kinks: a zero row)
    pts = np.array([-0.5, -0.25, 0.1, 0.3, 0.5, 0.7, 0.9, 1.25, 1.5])
    line, mc = profile(a.relumc, split, grid, pts, T, a.samples, a.seed)
    tgrid = np.linspace(-0.3, 0.3, 61)
    tpts = np.linspace(-0.3, 0.3, 7)
    pline, pmc = profile(a.relumc, perp, tgrid, tpts, T, a.samples, a.seed)
    for m in mc + pmc:
        print(f"  {m[0]:+.3f}  J {m[1]:.3e}  MC {m[2]:.3e} +- {m[3]:.1e}  {m[4]}")
    h = hessian(a.relumc, split(0.5), T)
    print(f"c = 0.5: loss {h['loss']:.3g}  |grad| {h['gradient_norm']:.3g}  index {h['index']}  nullity {h['nullity']}")
    rows = [["split", p, l, "", "", ""] for p, l in zip(grid, line)] + [["split", *m[:5]] for m in mc]
    rows += [["perpendicular", p, l, "", "", ""] for p, l in zip(tgrid, pline)] + [["perpendicular", *m[:5]] for m in pmc]
    write_csv(os.path.join(a.dir, "profile_flat.csv"), rows)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    ax = axes[0]
    ax.plot(grid, line, color="C0", label="J, closed form")
    ax.plot(grid, np.where(grid < 0, grid ** 2 / 2, np.where(grid > 1, (grid - 1) ** 2 / 2, 0)), color="0.5", ls=":",
            label="derived: 0 on [0, 1], c^2/2, (c-1)^2/2")
    errorbars(ax, mc, f"Monte Carlo, N = {a.samples} (2 se)")
    ax.axvspan(0, 1, color="C2", alpha=0.1, label="critical, degenerate (0 < c < 1)")
    ax.set_xlabel("split c: students c e_0, (1 - c) e_0, e_1")
    ax.set_ylabel("loss J")
    ax.set_title("Over-parameterised (K = 3, M = 2): the flat split")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(tgrid, pline, color="C0", label="J along (t e_2, -t e_2, 0) at c = 1/2")
    k = pline[-1] / abs(tgrid[-1]) ** 3
    ax.plot(tgrid, k * np.abs(tgrid) ** 3, color="0.5", ls=":", label=f"{k:.3f} |t|^3")
    errorbars(ax, pmc, f"Monte Carlo, N = {a.samples} (2 se)")
    ax.set_xlabel("t along a null eigenvector orthogonal to the split")
    ax.set_ylabel("loss J")
    ax.set_title("Null to second order only: J ~ |t|^3")
    ax.legend(fontsize=8)
    save(fig, os.path.join(a.dir, "landscape_flat.png"))
    # Every MC check passes where the point is critical (0 < c < 1) or the reference is the closed form
    # (hessian holds the MC gradient to the closed-form gradient): all of them.
    return all(m[5] for m in mc + pmc)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("experiment", choices=["manifold", "saddle", "flat"])
    p.add_argument("--relumc", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--samples", type=int, default=200000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    ok = {"manifold": manifold, "saddle": saddle, "flat": flat}[a.experiment](a)
    print(f"wrote {a.dir}/landscape_{a.experiment}.png, {a.dir}/profile_{a.experiment}.csv")
    if not ok:
        print("a Monte Carlo check along the path did not pass", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
