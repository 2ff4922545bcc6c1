#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A tour of relumc in Python (docs/python.md): run it after `pip install .`.

    python examples/tour.py [--out DIR] [--quick]

1. The closed form against Monte Carlo at several N, with a convergence plot (DIR/convergence.png).
2. A user's formula written in Python, checked by the engine: the correct one passes, a wrong one is rejected.
3. The very samples relumc used, exported to NumPy, and (when PyTorch is installed) autograd on them giving
   relumc's gradient estimate.
"""
import argparse
import math
import pathlib

import numpy as np

import relumc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tour-out", help="directory for the plot (default: tour-out)")
    ap.add_argument("--quick", action="store_true", help="smaller N (for tests)")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    top = 10**5 if args.quick else 10**7

    # A student with K = 2 units and a teacher with K* = 1 in d = 10, fixed.
    rng = np.random.default_rng(0)
    W, W_star = rng.normal(size=(2, 10)), rng.normal(size=(1, 10))
    print(f"relumc {relumc.__version__}; W {W.shape}, W* {W_star.shape}")

    # 1. closed form vs Monte Carlo at several N (a generator: each N on its own stream)
    print("\n1. population gradient: closed form vs Monte Carlo")
    print("   closed form:", np.round(relumc.population_gradient(W, W_star)[0, :4], 5), "...")
    ns = [10**k for k in range(3, int(math.log10(top)) + 1)]
    results = []
    for r in relumc.verify_iter(W, W_star, "grad", samples=ns, seed=1):
        results.append(r)
        print(f"   N = {r.samples:>9}: rel. error {r.rel_error:.2e}, max |z| {r.z:.2f}, p = {r.p_value:.3f}, "
              f"{'pass' if r.passed else 'REJECT'}")
    try:
        from relumc.plot import convergence

        fig = convergence(results)
        fig.savefig(out / "convergence.png", dpi=120)
        print(f"   plot: {out / 'convergence.png'}")
    except ImportError:
        print("   (matplotlib not installed: no plot)")

    # 2. a user's formula: the single-ReLU gradient of Tian's Eq. 6, then with the sin term's sign flipped
    print("\n2. checking formulas written in Python")

    def eq6(W, W_star, sign=-1.0):
        w, s = W[0], W_star[0]
        t = np.arccos(np.clip(w @ s / np.linalg.norm(w) / np.linalg.norm(s), -1, 1))
        return (0.5 * (w - s) + (t * s + sign * np.linalg.norm(s) / np.linalg.norm(w) * np.sin(t) * w)
                / (2 * np.pi))[None, :]

    cases = [(rng.normal(size=(1, 5)), rng.normal(size=(1, 5))) for _ in range(8)]
    good = relumc.check(eq6, "grad", cases=cases, samples=[1e4, 1e5])
    bad = relumc.check(lambda W, S: eq6(W, S, sign=+1.0), "grad", cases=cases, samples=[1e4, 1e5])
    print("   Eq. 6 as written:     ", good)
    print("   sin term sign flipped:", bad)
    for c in bad.rejecting[:3]:
        print(f"     rejected at N = {c.rejected_at}: max |z| = {c.z:.1f}")

    # 3. the exact inputs, and PyTorch autograd on them
    print("\n3. the engine's own samples in NumPy (and PyTorch)")
    n = 20000
    r = relumc.verify(W, W_star, "grad", samples=n, seed=5)
    x = relumc.samples(seed=5, stream=0, start=0, count=n, d=10)
    a, b = x @ W.T, x @ W_star.T
    g = np.maximum(a, 0).sum(1) - np.maximum(b, 0).sum(1)
    mine = np.einsum("nk,nd->kd", (a > 0) * g[:, None], x) / n
    print(f"   NumPy on exported samples vs relumc: max difference {np.max(np.abs(mine - r.estimate)):.1e} "
          f"(standard error {r.stderr.max():.1e})")
    try:
        import torch
    except ImportError:
        print("   (PyTorch not installed: autograd comparison skipped)")
        return 0
    Wt = torch.tensor(W, requires_grad=True)
    xt, St = torch.from_numpy(x), torch.from_numpy(W_star)
    loss = 0.5 * ((torch.relu(xt @ Wt.T).sum(1) - torch.relu(xt @ St.T).sum(1)) ** 2).mean()
    loss.backward()
    diff = np.max(np.abs(Wt.grad.numpy() - r.estimate))
    print(f"   PyTorch autograd on the same samples vs relumc: max difference {diff:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
