#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Peer throughput for the grad estimate: NumPy and PyTorch on the CPU, the way users write it today.

Both peers compute the same estimate as relumc's `grad` quantity (K = K* units, x ~ N(0, I_d)):
    p = W x, q = W* x, r = sum_j relu(p_j) - sum_k relu(q_k), c_j = 1(p_j > 0) r, g_j = c_j x,
the mean of each of the K*d components over N samples and its standard error sqrt(var / N), from
per-component sums and sums of squares, in float64, with the samples drawn and reduced in chunks
(bounded memory). Only the estimate is timed, after a warm-up run of one chunk.

Each peer runs in its own subprocess, with OPENBLAS/OMP/MKL_NUM_THREADS set to --threads before
NumPy or PyTorch is imported (and torch.set_num_threads). Sanity check in the same run: the NumPy and
PyTorch estimates must agree within 5 combined standard errors in every component, and each peer
must agree with the closed form (docs/mathematics.md, gradient for K ReLUs) within 5 standard errors. Above about
1700 components (K*d) the limit is the Bonferroni bound at family-wise level 1e-3 instead (5.41 at
K*d = 16000), so that a correct peer fails a check with probability at most 1e-3. Exit 0 when the
checks pass, 1 when one fails, 2 on bad arguments or a peer that cannot run.

    /usr/bin/python3 bench/peers_cpu.py --d 100 --K 4 --threads 2 --samples 400000 --json out.json
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

PEERS = ("numpy", "torch")
MIN_CHECK_SAMPLES = 1000  # the z checks are asymptotic: skipped below this N
Z_LIMIT = 5.0          # at least 5 combined standard errors...
FAMILY_ALPHA = 1e-3    # ...or the Bonferroni bound for K*d components at this family-wise level


def z_limit(m):
    """max(5, two-sided Bonferroni z for m components): 5.0 up to m ~ 1700, 5.41 at m = 16000."""
    from statistics import NormalDist
    return max(Z_LIMIT, NormalDist().inv_cdf(1.0 - FAMILY_ALPHA / (2.0 * m)))


def default_chunk(d):
    # About 2^20 normals (8 MiB of float64) per chunk, at least 1024 samples: large enough that the
    # per-chunk Python and library-call overhead is a few percent, small enough that X and X**2 stay
    # 16 MiB together whatever N and d are. Measured on 2 EPYC cores at d = 100, K = 4, N = 4e5:
    # chunks of 10485 and 32768 samples were the fastest for both peers (NumPy 3.2-3.3e5 samples/s),
    # 2048 was 20% slower (NumPy) to 2x slower (PyTorch, 2 threads), 65536 and 2e5 were 5-20% slower.
    return max(1024, (1 << 20) // d)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="peers_cpu.py",
        description="NumPy / PyTorch CPU throughput for relumc's grad estimate (same N, d, K, threads).")
    ap.add_argument("--d", type=int, default=100, help="input dimension (>= 1), default 100")
    ap.add_argument("--K", type=int, default=4, help="student units = teacher units (>= 1), default 4")
    ap.add_argument("--threads", type=int, default=2, help="threads for BLAS / OpenMP / torch (>= 1)")
    ap.add_argument("--samples", type=str, default=None,
                    help="N (integer, 4e5 notation accepted); default floor(4e7 / d) as bench_cpu")
    ap.add_argument("--seed", type=int, default=1, help="seed for the samples and for W, W* (>= 0)")
    ap.add_argument("--peers", type=str, default="numpy,torch", help="comma list of numpy, torch")
    ap.add_argument("--chunk", type=int, default=None,
                    help="samples per chunk; default max(1024, 2^20 // d)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed runs per peer (the median is reported), default 3")
    ap.add_argument("--dtype", type=str, default="float64", choices=("float64", "float32"),
                    help="the peers' sample and matmul dtype (float32: Generator.standard_normal(dtype=float32), "
                         "float32 BLAS; the chunk sums are still added in float64), default float64")
    ap.add_argument("--json", type=str, default=None, help="write the results here")
    ap.add_argument("--worker", type=str, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    def fail(msg):
        ap.error(msg)  # prints usage + message, exits 2

    if args.d < 1:
        fail(f"--d must be >= 1, got {args.d}")
    if args.K < 1:
        fail(f"--K must be >= 1, got {args.K}")
    if args.threads < 1:
        fail(f"--threads must be >= 1, got {args.threads}")
    if args.seed < 0:
        fail(f"--seed must be >= 0, got {args.seed}")
    if args.repeat < 1:
        fail(f"--repeat must be >= 1, got {args.repeat}")
    if args.samples is None:
        args.samples = int(4e7 / args.d)
    else:
        try:
            v = float(args.samples)
        except ValueError:
            fail(f"--samples must be a number, got '{args.samples}'")
        if not math.isfinite(v) or v != math.floor(v) or v < 2 or v >= 2.0 ** 63:
            fail(f"--samples must be an integer with 2 <= N < 2^63, got '{args.samples}'")
        args.samples = int(args.samples) if args.samples.strip().lstrip("+").isdigit() else int(v)
    if args.chunk is None:
        args.chunk = default_chunk(args.d)
    elif args.chunk < 1:
        fail(f"--chunk must be >= 1, got {args.chunk}")
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    if not peers:
        fail("--peers is empty")
    for p in peers:
        if p not in PEERS:
            fail(f"unknown peer '{p}' (known: {', '.join(PEERS)})")
    if len(set(peers)) != len(peers):
        fail(f"--peers lists a peer twice: '{args.peers}'")
    args.peers = peers
    if args.worker is not None and args.worker not in PEERS:
        fail(f"unknown worker '{args.worker}'")
    if args.json is not None:
        parent = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(parent):
            fail(f"--json: directory '{parent}' does not exist")
    return args


def set_thread_env(threads):
    # Must happen before numpy / torch are imported: the BLAS and OpenMP pools read them at load time.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[var] = str(threads)


def weights(d, K, seed):
    """Fixed seeded student W and teacher W* (K x d, float64 lists), the same for every peer."""
    import numpy as np
    rng = np.random.default_rng([seed, 0x5EED])
    W = rng.standard_normal((K, d)) / math.sqrt(d)
    Ws = 1.5 * rng.standard_normal((K, d)) / math.sqrt(d)
    return W, Ws


def closed_form(W, Ws):
    """docs/mathematics.md, K ReLUs: E grad_j = sum_j' EF(e_j, w_j') - sum_k EF(e_j, w*_k)."""
    import numpy as np

    def ef(e, w):
        a = e / np.linalg.norm(e)
        nw = np.linalg.norm(w)
        b = w / nw
        theta = 2.0 * math.atan2(np.linalg.norm(a - b), np.linalg.norm(a + b))
        return ((math.pi - theta) * w + nw * math.sin(theta) * a) / (2.0 * math.pi)

    out = np.zeros_like(W)
    for j in range(W.shape[0]):
        out[j] = sum(ef(W[j], w) for w in W) - sum(ef(W[j], w) for w in Ws)
    return out


def loaded_blas():
    """Names of the BLAS / LAPACK / OpenMP libraries mapped into this process (Linux only)."""
    names = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path)
                if any(k in base for k in ("blas", "lapack", "mkl", "blis", "gomp", "iomp")):
                    names.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(names)


def run_numpy(args, W, Ws):
    import numpy as np

    d, K, N, chunk = args.d, args.K, args.samples, args.chunk
    dt = np.dtype(args.dtype)
    WW = np.ascontiguousarray(np.concatenate([W, Ws]).T.astype(dt))  # d x 2K: one matmul for p and q
    xbuf = np.empty((min(chunk, N), d), dtype=dt)
    x2buf = np.empty_like(xbuf)
    zero = dt.type(0)

    def estimate(n_total, seed):
        rng = np.random.default_rng(seed)
        s1 = np.zeros((K, d))                              # float64 accumulators whatever dt is
        s2 = np.zeros((K, d))
        done = 0
        while done < n_total:
            m = min(chunk, n_total - done)
            X = xbuf[:m]
            rng.standard_normal(out=X, dtype=dt)
            PQ = X @ WW                                   # m x 2K
            P = PQ[:, :K]
            R = np.maximum(PQ, zero)
            r = R[:, :K].sum(axis=1) - R[:, K:].sum(axis=1)
            C = (P > zero) * r[:, None]                    # m x K
            s1 += C.T @ X
            X2 = np.multiply(X, X, out=x2buf[:m])
            s2 += (C * C).T @ X2
            done += m
        return s1, s2

    estimate(min(chunk, N), args.seed + 1)                # warm-up: one chunk
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        s1, s2 = estimate(N, args.seed)
        times.append(time.perf_counter() - t0)
    return s1, s2, times, {"numpy": np.__version__, "dtype": args.dtype}


def run_torch(args, W, Ws):
    import torch

    torch.set_num_threads(args.threads)
    d, K, N, chunk = args.d, args.K, args.samples, args.chunk
    f64 = torch.float64 if args.dtype == "float64" else torch.float32
    WW = torch.cat([torch.from_numpy(W), torch.from_numpy(Ws)]).T.contiguous().to(f64)  # d x 2K
    xbuf = torch.empty((min(chunk, N), d), dtype=f64)
    x2buf = torch.empty_like(xbuf)

    def estimate(n_total, seed):
        g = torch.Generator().manual_seed(seed)
        s1 = torch.zeros((K, d), dtype=torch.float64)     # float64 accumulators whatever the dtype
        s2 = torch.zeros((K, d), dtype=torch.float64)
        done = 0
        while done < n_total:
            m = min(chunk, n_total - done)
            X = xbuf[:m]
            torch.randn(m, d, generator=g, dtype=f64, out=X)
            PQ = X @ WW
            P = PQ[:, :K]
            R = torch.clamp_min(PQ, 0.0)
            r = R[:, :K].sum(dim=1) - R[:, K:].sum(dim=1)
            C = (P > 0).to(f64) * r[:, None]
            s1 += C.T @ X
            X2 = torch.mul(X, X, out=x2buf[:m])
            s2 += (C * C).T @ X2
            done += m
        return s1, s2

    with torch.inference_mode():
        estimate(min(chunk, N), args.seed + 1)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            s1, s2 = estimate(N, args.seed)
            times.append(time.perf_counter() - t0)
    return (s1.numpy(), s2.numpy(), times,
            {"torch": torch.__version__, "torch_threads": torch.get_num_threads()})


def worker(args):
    """One peer in this process: print one JSON object on stdout."""
    import numpy as np

    W, Ws = weights(args.d, args.K, args.seed)
    s1, s2, times, versions = (run_numpy if args.worker == "numpy" else run_torch)(args, W, Ws)
    N = args.samples
    mean = s1 / N
    var = np.maximum(s2 - N * mean * mean, 0.0) / (N - 1)
    se = np.sqrt(var / N)
    wall = float(np.median(times))
    out = {
        "peer": args.worker, "d": args.d, "K": args.K, "threads": args.threads, "samples": N,
        "chunk": min(args.chunk, N), "seed": args.seed, "repeat": args.repeat,
        "wall_s": wall, "times_s": times,
        "samples_per_s": N / wall, "normals_per_s": N * args.d / wall,
        "versions": versions, "libraries": loaded_blas(),
        "mean": mean.tolist(), "se": se.tolist(),
    }
    json.dump(out, sys.stdout)
    return 0


def max_abs_z(ma, sa, mb, sb):
    import numpy as np
    ma, sa, mb, sb = (np.asarray(v, dtype=float) for v in (ma, sa, mb, sb))
    diff = np.abs(ma - mb)
    den = np.sqrt(sa * sa + sb * sb)
    z = np.where(den > 0, diff / np.where(den > 0, den, 1.0), np.where(diff > 0, np.inf, 0.0))
    return float(z.max())


def main(argv):
    args = parse_args(argv)
    set_thread_env(args.threads)
    if args.worker is not None:
        return worker(args)

    results = {}
    for peer in args.peers:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", peer,
               "--d", str(args.d), "--K", str(args.K), "--threads", str(args.threads),
               "--samples", str(args.samples), "--seed", str(args.seed),
               "--chunk", str(args.chunk), "--repeat", str(args.repeat), "--dtype", args.dtype]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy())
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-5:]
            hint = ""
            if "No module named" in proc.stderr:
                hint = f" (install the Debian package python3-{peer}; run with /usr/bin/python3)"
            print(f"peers_cpu: the {peer} peer failed (exit {proc.returncode}){hint}:\n  "
                  + "\n  ".join(tail), file=sys.stderr)
            return 2
        results[peer] = json.loads(proc.stdout)

    import numpy as np
    W, Ws = weights(args.d, args.K, args.seed)
    cf = closed_form(W, Ws)
    zero = np.zeros_like(cf)
    limit = z_limit(cf.size)
    checks = {}
    ok = True
    check_peers = results if args.samples >= MIN_CHECK_SAMPLES else {}
    for peer, r in check_peers.items():
        z = max_abs_z(r["mean"], r["se"], cf, zero)
        checks[f"{peer}_vs_closed_form"] = {"max_abs_z": z, "pass": z <= limit}
        ok &= z <= limit
    if "numpy" in check_peers and "torch" in check_peers:
        a, b = results["numpy"], results["torch"]
        z = max_abs_z(a["mean"], a["se"], b["mean"], b["se"])
        checks["numpy_vs_torch"] = {"max_abs_z": z, "pass": z <= limit}
        ok &= z <= limit

    print(f"peers: grad, d = {args.d}, K = K* = {args.K}, threads = {args.threads}, "
          f"N = {args.samples}, chunk = {min(args.chunk, args.samples)} samples, {args.dtype}, "
          f"median of {args.repeat} timed runs")
    print(f"{'peer':<7} {'samples/s':>11} {'normals/s':>11} {'wall s':>9}  version")
    for peer, r in results.items():
        ver = ", ".join(f"{k} {v}" for k, v in r["versions"].items())
        print(f"{peer:<7} {r['samples_per_s']:>11.4g} {r['normals_per_s']:>11.4g} "
              f"{r['wall_s']:>9.4f}  {ver}")
    if not check_peers:
        print(f"checks skipped: N = {args.samples} < {MIN_CHECK_SAMPLES} is too few for a z check")
    for name, c in checks.items():
        print(f"check {name}: max |z| = {c['max_abs_z']:.3g} over {args.K * args.d} components "
              f"(limit {limit:.3g}): {'PASS' if c['pass'] else 'FAIL'}")

    if args.json is not None:
        doc = {"d": args.d, "K": args.K, "threads": args.threads, "samples": args.samples, "dtype": args.dtype,
               "seed": args.seed, "chunk": min(args.chunk, args.samples), "repeat": args.repeat,
               "z_limit": limit, "checks": checks, "pass": bool(ok), "peers": results}
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
    if not ok:
        print("peers_cpu: a sanity check failed: the peers do not compute the same estimate",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
