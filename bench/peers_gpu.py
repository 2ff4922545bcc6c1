#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Peer throughput for the grad estimate on the GPU: PyTorch, JAX (jit) and CuPy, as users write it.

Each peer computes what relumc's `grad` quantity computes (K = K* units, x ~ N(0, I_d), float64; the
peer torch32 draws and multiplies in float32, as a user after speed writes it, and adds each chunk's
sums into float64 so that the sanity check stays meaningful at large N):
    p = W x, q = W* x, r = sum_j relu(p_j) - sum_k relu(q_k), c_j = 1(p_j > 0) r,
    sums S = C^T X and squares Q = (C*C)^T (X*X) over chunks of samples (randn + matmul + relu masks),
then mean and standard error per component. Only the estimate is timed (after a warm-up run), with the
device synchronised before the clock stops. Sanity check in the same run: every peer agrees with the
closed form (bench/peers_cpu.py: closed_form) within max(5, Bonferroni at 1e-3) standard errors.

    python3 bench/peers_gpu.py --d 128 --K 4 --samples 67108864 --peers torch,jax,cupy --json out.json
    python3 bench/peers_gpu.py ... --dry-run   # no GPU: which peers import here, the closed form, the JSON

Exit 0: checks pass; 1: a check failed; 2: bad arguments, or a peer is missing / cannot run (named).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
PEERS = ("torch", "torch32", "jax", "cupy", "curand")
MODULE = {"torch": "torch", "torch32": "torch", "jax": "jax", "cupy": "cupy"}  # curand: bench/peer_curand_cublas.cu


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="peers_gpu.py", description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, required=True)
    ap.add_argument("--K", type=int, required=True)
    ap.add_argument("--samples", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=None, help="samples per chunk (default: 2^26 normals)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", type=str, default="torch,jax,cupy")
    ap.add_argument("--json", type=str, default=None)
    ap.add_argument("--curand-bin", type=str, default="build-gpu/bench/peer_curand_cublas",
                    help="the cuRAND + cuBLAS + Thrust peer (built with CUDA: target peer_curand_cublas)")
    ap.add_argument("--dry-run", action="store_true",
                    help="run no peer: report which import here, compute the closed form, write the JSON (rehearsals)")
    ap.add_argument("--worker", type=str, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    for name in ("d", "K", "samples", "repeat"):
        if getattr(a, name) < 1:
            ap.error(f"--{name} must be >= 1, got {getattr(a, name)}")
    if a.samples < 2:
        ap.error("--samples must be >= 2")
    a.chunk = a.chunk or max(1024, (1 << 26) // a.d)
    a.peers = [p.strip() for p in a.peers.split(",") if p.strip()]
    for p in a.peers:
        if p not in PEERS:
            ap.error(f"unknown peer '{p}' (known: {', '.join(PEERS)})")
    return a


def run_torch(a, W, Ws, single=False):
    import torch
    if not torch.cuda.is_available():
        raise RuntimeError("torch.cuda.is_available() is False")
    dev, f64, K = torch.device("cuda"), torch.float64, a.K
    ft = torch.float32 if single else f64  # the working precision; sums are float64 either way
    WW = torch.cat([torch.from_numpy(W), torch.from_numpy(Ws)]).T.contiguous().to(dev, ft)

    def estimate(n_total, seed):
        g = torch.Generator(device=dev).manual_seed(seed)
        s1 = torch.zeros((K, a.d), dtype=f64, device=dev)
        s2 = torch.zeros_like(s1)
        done = 0
        while done < n_total:
            m = min(a.chunk, n_total - done)
            X = torch.randn(m, a.d, generator=g, dtype=ft, device=dev)
            PQ = X @ WW
            R = torch.clamp_min(PQ, 0.0)
            r = R[:, :K].sum(dim=1) - R[:, K:].sum(dim=1)
            C = (PQ[:, :K] > 0).to(ft) * r[:, None]
            s1 += (C.T @ X).to(f64)
            s2 += ((C * C).T @ (X * X)).to(f64)
            done += m
        torch.cuda.synchronize()
        return s1, s2

    with torch.inference_mode():
        estimate(min(a.chunk, a.samples), a.seed + 1)
        times = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            s1, s2 = estimate(a.samples, a.seed)
            times.append(time.perf_counter() - t0)
    return s1.cpu().numpy(), s2.cpu().numpy(), times, {"torch": torch.__version__, "dtype": str(ft),
                                                        "device": torch.cuda.get_device_name()}


def run_jax(a, W, Ws):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    if not any(d.platform == "gpu" for d in jax.devices()):
        raise RuntimeError(f"JAX sees no GPU (devices: {jax.devices()})")
    K = a.K
    WW = jnp.asarray(__import__("numpy").concatenate([W, Ws]).T)

    def chunk_sums(key, m):
        X = jax.random.normal(key, (m, a.d), dtype=jnp.float64)
        PQ = X @ WW
        R = jnp.maximum(PQ, 0.0)
        r = R[:, :K].sum(axis=1) - R[:, K:].sum(axis=1)
        C = (PQ[:, :K] > 0).astype(jnp.float64) * r[:, None]
        return C.T @ X, (C * C).T @ (X * X)

    full = jax.jit(chunk_sums, static_argnums=1)

    def estimate(n_total, seed):
        key = jax.random.PRNGKey(seed)
        s1 = jnp.zeros((K, a.d))
        s2 = jnp.zeros((K, a.d))
        done = 0
        while done < n_total:
            m = min(a.chunk, n_total - done)
            key, sub = jax.random.split(key)
            t1, t2 = full(sub, m)
            s1, s2 = s1 + t1, s2 + t2
            done += m
        s1.block_until_ready()
        s2.block_until_ready()
        return s1, s2

    estimate(min(a.chunk, a.samples), a.seed + 1)
    if a.samples % a.chunk:  # compile the tail shape too, outside the timing
        full(jax.random.PRNGKey(0), a.samples % a.chunk)[0].block_until_ready()
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        s1, s2 = estimate(a.samples, a.seed)
        times.append(time.perf_counter() - t0)
    import numpy as np
    return np.asarray(s1), np.asarray(s2), times, {"jax": jax.__version__, "device": str(jax.devices()[0])}


def run_cupy(a, W, Ws):
    import cupy as cp
    K = a.K
    WW = cp.asarray(__import__("numpy").concatenate([W, Ws]).T)

    def estimate(n_total, seed):
        rs = cp.random.RandomState(seed)
        s1 = cp.zeros((K, a.d))
        s2 = cp.zeros((K, a.d))
        done = 0
        while done < n_total:
            m = min(a.chunk, n_total - done)
            X = rs.standard_normal((m, a.d), dtype=cp.float64)
            PQ = X @ WW
            R = cp.maximum(PQ, 0.0)
            r = R[:, :K].sum(axis=1) - R[:, K:].sum(axis=1)
            C = (PQ[:, :K] > 0).astype(cp.float64) * r[:, None]
            s1 += C.T @ X
            s2 += (C * C).T @ (X * X)
            done += m
        cp.cuda.Device().synchronize()
        return s1, s2

    estimate(min(a.chunk, a.samples), a.seed + 1)
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        s1, s2 = estimate(a.samples, a.seed)
        times.append(time.perf_counter() - t0)
    return cp.asnumpy(s1), cp.asnumpy(s2), times, {"cupy": cp.__version__}


def worker(a):
    import numpy as np
    from peers_cpu import weights
    W, Ws = weights(a.d, a.K, a.seed)
    run = {"torch": run_torch, "torch32": lambda *x: run_torch(*x, single=True), "jax": run_jax, "cupy": run_cupy}
    s1, s2, times, versions = run[a.worker](a, W, Ws)
    N = a.samples
    mean = s1 / N
    se = np.sqrt(np.maximum(s2 - N * mean * mean, 0.0) / (N - 1) / N)
    wall = float(np.median(times))
    json.dump({"peer": a.worker, "samples": N, "chunk": min(a.chunk, N), "wall_s": wall, "times_s": times,
               "samples_per_s": N / wall, "normals_per_s": N * a.d / wall, "versions": versions,
               "mean": mean.tolist(), "se": se.tolist()}, sys.stdout)
    return 0


def run_curand(a):
    """cuRAND host API + cuBLAS + Thrust in separate passes (bench/peer_curand_cublas.cu), one timed run."""
    import tempfile
    import numpy as np
    from peers_cpu import weights
    if not os.access(a.curand_bin, os.X_OK):
        print(f"peers_gpu: the curand peer needs {a.curand_bin} (cmake --build <build> --target peer_curand_cublas)",
              file=sys.stderr)
        return None
    W, Ws = weights(a.d, a.K, a.seed)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(" ".join(repr(float(v)) for v in np.concatenate([W, Ws]).ravel()))
        path = f.name
    try:
        proc = subprocess.run([a.curand_bin, path, str(a.d), str(a.K), str(a.samples), str(a.seed)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        print(f"peers_gpu: the curand peer failed (exit {proc.returncode}): {proc.stderr.strip()}", file=sys.stderr)
        return None
    r = json.loads(proc.stdout)
    r.update({"peer": "curand", "samples": a.samples, "normals_per_s": r["samples_per_s"] * a.d,
              "versions": {"binary": a.curand_bin}})
    return r


def dry_run(a):
    """What a rehearsal can check without a GPU: the modules, the curand binary, the closed form, the JSON."""
    import importlib.util
    from peers_cpu import closed_form, weights
    W, Ws = weights(a.d, a.K, a.seed)
    cf = closed_form(W, Ws)
    found = {}
    for peer in a.peers:
        if peer == "curand":
            ok = os.access(a.curand_bin, os.X_OK)
            found[peer] = {"available": ok, "what": a.curand_bin}
        else:
            ok = importlib.util.find_spec(MODULE[peer]) is not None
            found[peer] = {"available": ok, "what": f"{sys.executable}: import {MODULE[peer]}"}
        print(f"peers_gpu (dry run): {peer:<7} {'found' if ok else 'MISSING here'} ({found[peer]['what']})")
    print(f"peers_gpu (dry run): grad d = {a.d}, K = K* = {a.K}, N = {a.samples}: closed form has {cf.size} components")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"d": a.d, "K": a.K, "samples": a.samples, "dry_run": True, "peers_found": found,
                       "checks": {}, "pass": True, "peers": {}}, f, indent=1)
    return 0


def main(argv):
    a = parse_args(argv)
    if a.worker:
        return worker(a)
    if a.dry_run:
        return dry_run(a)
    results = {}
    for peer in a.peers:
        if peer == "curand":
            r = run_curand(a)
            if r is None:
                return 2
            results[peer] = r
            continue
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", peer, "--d", str(a.d), "--K", str(a.K),
               "--samples", str(a.samples), "--seed", str(a.seed), "--chunk", str(a.chunk), "--repeat", str(a.repeat)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            tail = "\n  ".join(proc.stderr.strip().splitlines()[-5:])
            hint = f" ({sys.executable} cannot import {MODULE[peer]})" if "No module named" in proc.stderr else ""
            print(f"peers_gpu: the {peer} peer failed (exit {proc.returncode}){hint}:\n  {tail}", file=sys.stderr)
            return 2
        results[peer] = json.loads(proc.stdout)
    import numpy as np
    from peers_cpu import closed_form, weights, z_limit
    W, Ws = weights(a.d, a.K, a.seed)
    cf = closed_form(W, Ws)
    limit = z_limit(cf.size)
    checks, ok = {}, True
    for peer, r in results.items():
        m, se = np.asarray(r["mean"]), np.asarray(r["se"])
        z = float(np.max(np.abs(m - cf) / np.where(se > 0, se, np.inf)))
        checks[f"{peer}_vs_closed_form"] = {"max_abs_z": z, "pass": z <= limit}
        ok &= z <= limit
    print(f"peers: grad, d = {a.d}, K = K* = {a.K}, N = {a.samples}, chunk = {min(a.chunk, a.samples)}, float64 "
          "(torch32: float32, sums in float64)")
    for peer, r in results.items():
        print(f"{peer:<7} {r['samples_per_s']:>11.4g} samples/s {r['normals_per_s']:>11.4g} normals/s  {r['versions']}")
    for name, c in checks.items():
        print(f"check {name}: max |z| = {c['max_abs_z']:.3g} (limit {limit:.3g}): {'PASS' if c['pass'] else 'FAIL'}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"d": a.d, "K": a.K, "samples": a.samples, "checks": checks, "pass": bool(ok),
                       "peers": results}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
