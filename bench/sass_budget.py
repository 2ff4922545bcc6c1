#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SASS instructions per normal on the executed path of the CUDA kernels, and the issue-bound rate.

Until a GPU measures them, the kernels' speed is judged by construction (docs/architecture.md,
DESIGN.md's yardsticks): the sm_90 SASS of the rng floor and of the fused estimators, counted along the
path they execute for a given case, divided by the normals that path draws. No GPU is needed.

Method
  1. The cubins: kernels/estimator.cu and kernels/sample_kernels.cu, compiled for sm_90 with the build's own
     flags (the kernel guards' PTX, kernels/guards/kernel_guards.cmake, assembled by ptxas with -lineinfo,
     which leaves the instructions unchanged). `cmake --build BUILD --target relumc_kernel_guards` makes them.
  2. nvdisasm -c -gi: every instruction with its source line and inline chain.
  3. The control-flow graph of each kernel; loops from its back edges (natural loops, nested).
     Each loop is named by the source loop its back-edge branch comes from (ROLES below: the `for` line's
     text, and for inlined copies the caller's), and the case fixes how often it runs per normal:
     e.g. the draw loop once per Philox block (4 normals), the projection's fma loop K + K* times per
     normal, the accumulation loop K times. A role compiled as an unrolled loop plus a remainder loop is
     split by its unroll factor (counted from the loop's own fma/loads); two compiled versions of one
     role (loop versioning) count as the larger.
  4. Inside a loop, the instructions of one iteration are the longest path through its own blocks
     (inner loops collapsed, counted by their own roles), leaving out cold blocks: those that call
     the slow paths of division and square root (`$__internal_*`), and the 64-bit integer division
     taken only when an index passes 2^32. Code outside every loop runs once per thread and is left out.
  5. Sum over loops of (instructions per iteration x iterations per normal) = thread-instructions per
     normal, assuming full warps (every loop here hands whole warps their items at these shapes).
  Issue bound = the chip's thread-instruction issue rate / instructions per normal: H200 and H100 SXM,
  132 SMs x 4 warp schedulers x 32 lanes x 1.98 GHz = 3.35e13/s; H100 PCIe 114 SMs x 1.755 GHz.
  The FP64 pipe (64 lanes per SM and clock) is the other bound in double: shown as fp64-bound.

Usage
  bench/sass_budget.py [--build-dir build] [--contract v1|v2] [--precision double,float] [--d 128]
                       [--K 1,4,16] [--json out.json] [--breakdown] [--check]
  --check: exit 1 if a target is missed (v1 double floor <= 100, v2 floor <= 45, fused grad at K = 1
  <= 1.3x and K = 4 <= 2x the floor of the same contract and precision).
nvdisasm: --nvdisasm, PATH, the CUDA toolkit, or the PyPI package nvidia-cuda-nvdisasm
(`python3 -m pip install nvidia-cuda-nvdisasm`).
"""
import argparse
import collections
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each contract and precision names its kernels by symbol (a regex on the mangled name): the floor and the
# estimator are templates on the contract. Should a kernel hold both branches of block_normals
# (relumc/math/sample_contract.hpp; the contract a run-time value), they are told apart by the lines they
# inline (BRANCHES): a contract's count leaves out the instructions inlined from the other contract's branch.
CONTRACTS = {
    ("v1", "double"): {"floor": r"16rng_floor_kernelIdLNS_8ContractE1EE", "estimator": r"16estimator_kernelIdLNS_8ContractE1EE"},
    ("v1", "float"): {"floor": r"16rng_floor_kernelIfLNS_8ContractE1EE", "estimator": r"16estimator_kernelIfLNS_8ContractE1EE"},
    ("v2", "float"): {"floor": r"16rng_floor_kernelIfLNS_8ContractE2EE", "estimator": r"16estimator_kernelIfLNS_8ContractE2EE"},
}
# The lines of block_normals' branch of each contract (their text in sample_contract.hpp).
BRANCHES = {"v1": r"box_muller<T>\(w\.r\[", "v2": r"box_muller_v2\(w\.r\[|z\[t\] = static_cast<T>\(f\[t\]\)"}


def other_branch(k, contract):
    """The (file, line) locations of the other contracts' branches of block_normals in kernel k's line info."""
    path = os.path.join(ROOT, "include", "relumc", "math", "sample_contract.hpp")
    with open(path) as f:
        text = f.read().splitlines()
    lines = {n + 1 for n, t in enumerate(text) for c, rx in BRANCHES.items() if c != contract and re.search(rx, t)}
    return frozenset(loc for x in k.ins for loc in (x.chain or ())
                     if os.path.basename(loc[0]) == "sample_contract.hpp" and loc[1] in lines)


def block_body(k, opens):
    """The (file, line) locations in kernel k's line info of the bodies of the blocks in
    kernels/estimator_agent.cuh whose opening line matches a regex of `opens` (braces counted to its close)."""
    path = os.path.join(ROOT, "kernels", "estimator_agent.cuh")
    with open(path) as f:
        text = f.read().splitlines()
    lines = set()
    for rx in opens:
        hits = [n for n, t in enumerate(text) if re.search(rx, t)]
        if len(hits) != 1:
            sys.exit(f"sass_budget: {len(hits)} lines of estimator_agent.cuh match {rx!r} (want 1)")
        depth, n, closed = 0, hits[0], False
        while not closed:  # to the line where the block's brace closes (`}` or `} else {`)
            for ch in text[n]:
                depth += {"{": 1, "}": -1}.get(ch, 0)
                if depth == 0 and ch == "}":
                    closed = True
                    break
            if not closed and n > hits[0]:
                lines.add(n + 1)  # 1-based
            n += 1
    return frozenset(loc for x in k.ins for loc in (x.chain or ())
                     if os.path.basename(loc[0]) == "estimator_agent.cuh" and loc[1] in lines)


CUBINS = ("estimator.cubin", "sample_kernels.cubin")

# Chips: thread-instructions issued per second (SMs x 4 schedulers x 32 lanes x clock) and FP64 lanes/s.
CHIPS = {
    "H200": (132 * 4 * 32 * 1.98e9, 132 * 64 * 1.98e9),
    "H100 SXM": (132 * 4 * 32 * 1.98e9, 132 * 64 * 1.98e9),
    "H100 PCIe": (114 * 4 * 32 * 1.755e9, 114 * 64 * 1.755e9),
}


def tiles_constant(name):
    """A constant of relumc/backend/cuda/cuda_tiles.hpp (`inline constexpr ... name = a * b;`), so that the shapes
    counted here are the planner's."""
    with open(os.path.join(ROOT, "include", "relumc", "backend", "cuda", "cuda_tiles.hpp")) as f:
        m = re.search(r"constexpr \w+ " + name + r" = ([0-9 *]+);", f.read())
    if not m:
        sys.exit(f"sass_budget: {name} not found in cuda_tiles.hpp")
    return eval(m.group(1))


TILE_BYTES_FOR_64 = tiles_constant("kTileBytesFor64")
TARGETS = {"floor": {("v1", "double"): 100, ("v2", "float"): 45}, "fused_over_floor": {1: 1.3, 4: 2.0}}


class Case:
    """The shape of one run: d, K = K*, grad, the default launch (128 threads) and tile plan."""

    def __init__(self, d, K, elem, threads=128):
        self.d, self.K, self.Ks = d, K, K
        self.units, self.coef_rows = 2 * K, K
        self.T = threads
        # host/backend/cuda/cuda_tiles.cpp, plan_tiles with the defaults (96 KiB; at most 32 samples, or 64 while
        # the tile takes at most kTileBytesFor64; a power of two).
        budget, d4 = 96 * 1024, (d + 3) // 4 * 4
        fixed = elem * (self.units + self.coef_rows)
        pad = 2 if elem == 8 else 4  # max_x_pad
        whole = budget // (elem * (d4 + pad) + fixed)
        xs = d4 + 2 if elem == 8 else (d4 + 4 if d4 % 8 == 0 else d4)  # x_stride_of(d4)
        wide = elem * 64 * (xs + self.units + self.coef_rows) <= TILE_BYTES_FOR_64
        self.ns = min(whole, 64 if wide else 32) if whole >= 4 else max(1, min(4, budget // (fixed + elem * (64 + pad))))
        self.ns = 1 << (self.ns.bit_length() - 1)  # rounded down to a power of two
        room = budget // self.ns
        fit = (room - fixed) // elem - pad if room > fixed else 0
        self.coords = min(d4, fit // 4 * 4)
        self.ctiles = -(-d // self.coords)
        self.nk = -(-d // self.ctiles)  # coordinates per tile (the last one may be shorter)
        self.nb = -(-self.nk // 4)
        self.group = 16 // elem
        # kernels/estimator_agent.cuh, lanes_of: thread t takes samples t mod ds, t mod ds + ds, ... of a tile, and
        # items t div ds, + dr, ... (none when t div ds >= dr).
        ds = min(self.ns, threads)
        dr = threads // ds
        # Lane fill per phase: a warp issues for its 32 lanes while any of them works, so where a phase leaves lanes
        # idle its instructions cost 32 / (active lanes) as much per item. fill = the items' lane-iterations over
        # the warps' issue slots (32 x the longest lane, per warp), from the kernel's own lane arithmetic.
        def fill(count):
            counts = [count(t) for t in range(threads)]
            slots = sum(32 * max(counts[w:w + 32]) for w in range(0, threads, 32))
            return sum(counts) / slots if slots else 1.0

        def samples(t):
            return len(range(t % ds, self.ns, ds))

        self.lane_trips = sum(samples(t) for t in range(threads))  # sample-loop trips per tile, all threads

        def items(t, n, step):  # items r0, r0 + step ... < n of thread t (r0 = t div ds, none past dr)
            r0 = t // ds
            return len(range(r0 * step, n, dr * step)) if r0 < dr else 0

        groups = -(-self.nk // (16 // elem))
        self.rows = 1 if self.units * self.ns <= 32 else 2  # rows per projection item (estimate_range)
        self.fill = {
            "draw": fill(lambda t: samples(t) * items(t, self.nb, 1)),
            "samples": fill(samples),
            "project": fill(lambda t: samples(t) * items(t, self.units, self.rows)),
            "coefficients": fill(lambda t: len(range(t, self.ns, threads))),
            "accumulate": fill(lambda t: len(range(t, self.coef_rows * groups, threads))),
        }


# Roles: (name, loop-line regex, caller-line regex or None, caller occurrence or None,
#         items per normal, iterations per item, unroll signature: opcode regex or None).
# The loop line is the innermost source line of the loop's back-edge branch; the caller is the next line
# of its inline chain (which copy of an inlined loop); the occurrence tells copies on identical lines apart.
def estimator_roles(c):
    per_tile = 1.0 / (c.ns * c.d)  # per normal, of what runs once per tile (and coordinate tile)
    pairs, single = (c.units // 2, c.units % 2) if c.rows == 2 else (0, c.units)
    W = c.group  # coordinates per accumulating thread: 16 bytes (4 float, 2 double)
    f = c.fill  # lane fill per phase (Case): items per normal are divided by it
    groups, part = c.nk // W, c.nk % W  # whole groups per tile, and a partial one's size
    return [
        ("tile loop (per thread)", r"first < end", None, None, c.T * per_tile, 1, None),
        ("accumulators zeroed (per block)", r"a < 2 \* m", None, None, 0.0, 1, None),
        ("project: coordinate tiles (per thread)", r"ct < tp\.coord_tiles", None, None, c.T * c.ctiles * per_tile, 1, None),
        ("draw: samples (per thread)", r"s < ns; s \+= l\.ds", r"draw_tile(<\w+>)?\(", 0, c.lane_trips * c.ctiles * per_tile / f["samples"], 1, None),
        ("draw: Philox + Box-Muller", r"jb < nb; jb \+= l\.dr", r"draw_tile(<\w+>)?\(", 0, c.nb * c.ctiles / c.d / f["draw"], 1, None),
        ("redraw: samples (per thread)", r"s < ns; s \+= l\.ds", r"draw_tile(<\w+>)?\(", 1,
         c.lane_trips * (c.ctiles - 1) * per_tile / f["samples"], 1, None),
        ("redraw (coordinate tiles > 1)", r"jb < nb; jb \+= l\.dr", r"draw_tile(<\w+>)?\(", 1, c.nb * (c.ctiles - 1) / c.d / f["draw"], 1, None),
        ("project: samples (per thread)", r"s < ns; s \+= lanes\.ds", None, None, c.lane_trips * c.ctiles * per_tile / f["samples"], 1, None),
        ("project: items (row pair or row, s)", r"u < units; u \+= tp\.item_rows \* lanes\.dr", None, None, (pairs + single) * c.ctiles / c.d / f["project"], 1, None),
        # Iterations counted in fmas (two rows x four coordinates per source iteration), as the signature counts.
        ("project: fma chain, pairs", r"x != x_end; x \+= 4, w0", r"project_pair\b", None, pairs * c.ctiles / c.d / f["project"],
         2 * (c.nk - c.nk % 4), r"^[DF]FMA"),
        ("project: fma chain, pairs, last coordinates", r"k < \(nk & 3\); \+\+k\) \{", r"project_pair\b", None,
         pairs * c.ctiles / c.d / f["project"], 2 * (c.nk % 4), r"^[DF]FMA"),
        ("project: fma chain, one row", r"x != x_end; x \+= 4, w \+= 4", r"project_one\(", None, single * c.ctiles / c.d / f["project"],
         c.nk - c.nk % 4, r"^[DF]FMA"),
        ("project: fma chain, one row, last coordinates", r"k < \(nk & 3\); \+\+k\) a = ", r"project_one\(", None,
         single * c.ctiles / c.d / f["project"], c.nk % 4, r"^[DF]FMA"),
        ("coefficients: samples", r"s < ns; s \+= blockDim", None, None, 1.0 / c.d / f["coefficients"], 1, None),
        ("coefficients: residual, student", r"j < K; \+\+j\) r = r", r"const T r = Residual", None, 1.0 / c.d / f["coefficients"], c.K, r"^LDS"),
        ("coefficients: residual, teacher", r"k < Kstar; \+\+k\) r = r", r"const T r = Residual", None, 1.0 / c.d / f["coefficients"], c.Ks, r"^LDS"),
        ("coefficients: residual (loss)", r"< K(star)?; \+\+[jk]\) r = r", r"Quantity::Loss", None, 0.0, 1, None),
        ("coefficients: grad rows", r"j < p\.K; \+\+j\) C\[", None, None, 1.0 / c.d / f["coefficients"], c.K, r"^STS"),
        ("loss: samples (thread 0)", r"s < ns; \+\+s\) \{", None, None, 0.0, 1, None),
        ("accumulate: coordinate tiles (per thread)", r"ct >= 0; --ct", None, None, c.T * c.ctiles * per_tile, 1, None),
        ("accumulate: items (j, g)", r"j < tp\.coef_rows;\) \{", None, None,
         c.coef_rows * (groups + (1 if part else 0)) * c.ctiles * per_tile / f["accumulate"], 1, None),
        # Iterations counted in DFMAs: W components per sample.
        ("accumulate: samples, whole groups", r"s < ns; \+\+s, x \+= stride", None, None,
         c.coef_rows * groups * c.ctiles * per_tile / f["accumulate"], W * c.ns, r"^DFMA"),
        ("accumulate: partial group", r"i < n; \+\+i\)", None, None, c.coef_rows * (1 if part else 0) * c.ctiles * per_tile / f["accumulate"],
         part, None),
        ("accumulate: samples, partial group", r"s < ns; \+\+s, xs \+= stride", None, None,
         c.coef_rows * part * c.ctiles * per_tile / f["accumulate"], c.ns, r"^DFMA"),
    ]


# What a grad run at this shape never executes, by the source block that holds it (the text of the line that
# opens the block, in kernels/estimator_agent.cuh): the loss's accumulation, and the redraw of a coordinate
# tile when one tile holds all of d. Instructions inlined from those lines leave the count.
def not_executed(c):
    opens = [r"if \(p\.quantity == Quantity::Loss\) \{"]
    if c.ctiles == 1:
        opens.append(r"if \(ct != tp\.coord_tiles - 1\) \{")
    return opens


def floor_roles(c):
    return [
        # The samples loop's back edge is the closing brace after `acc = acc + sample` (ptxas's line for it).
        ("samples (per thread)", r"o < count; o = count - o|^\s*\}\s*$", None, None, 1.0 / c.d, 1, None),
        ("draw: Philox + Box-Muller", r"j < whole; \+\+j", None, None, (c.d // 4) / c.d, 1, None),
        ("sum of the last block's normals", r"t < rest; \+\+t", None, None, (1 if c.d % 4 else 0) / c.d, c.d % 4, None),
        ("block reduction (per block)", r"Reduce\(temp\)", None, None, 0.0, 1, None),
    ]


# ------------------------------------------------------------------------------------------------ SASS
class Ins:
    __slots__ = ("addr", "pred", "op", "args", "chain", "target")


def find_nvdisasm(given):
    if given:
        return given
    cands = [shutil.which("nvdisasm"), "/usr/local/cuda/bin/nvdisasm"]
    try:
        import nvidia  # PyPI nvidia-cuda-nvdisasm installs nvidia/cu13/bin/nvdisasm
        for base in nvidia.__path__:
            cands += sorted(glob.glob(os.path.join(base, "*", "bin", "nvdisasm")))
    except ImportError:
        pass
    for c in cands:
        if c and os.access(c, os.X_OK):
            return c
    sys.exit("sass_budget: nvdisasm not found: `python3 -m pip install nvidia-cuda-nvdisasm`, or --nvdisasm PATH")


def disassemble(nvdisasm, cubin):
    text = subprocess.run([nvdisasm, "-c", "-gi", cubin], capture_output=True, text=True, check=True).stdout
    funcs, cur, chain, pending = {}, None, None, []
    for line in text.splitlines():
        m = re.match(r"\s*//-+ \.text\.(\S+) -+", line)
        if m:
            cur = funcs.setdefault(m.group(1), {"ins": [], "labels": {}})
            chain, pending = None, []
            continue
        if cur is None:
            continue
        m = re.match(r'\s*//## File "([^"]+)", line (\d+)', line)
        if m:
            pending.append((m.group(1), int(m.group(2))))
            continue
        m = re.match(r"^([.$\w]+):\s*$", line)
        if m:
            cur["labels"][m.group(1)] = len(cur["ins"])
            continue
        m = re.match(r"\s*/\*([0-9a-f]{4,})\*/\s+(@!?U?P[T0-9]+\s+)?([A-Z][A-Z0-9._]*)\s*(.*?)\s*;", line)
        if m:
            if pending:
                chain, pending = tuple(pending), []
            x = Ins()
            x.addr, x.pred, x.op, x.args, x.chain = int(m.group(1), 16), (m.group(2) or "").strip(), m.group(3), m.group(4), chain
            t = re.search(r"`\(([^)]+)\)", x.args)
            x.target = t.group(1) if t else None
            cur["ins"].append(x)
    return funcs


class Kernel:
    """Basic blocks, successors, cold blocks and natural loops of one function."""

    def __init__(self, f):
        self.ins = ins = f["ins"]
        labels = f["labels"]
        self.sub = min([i for l, i in labels.items() if l.startswith("$")] + [len(ins)])  # slow-path subroutines
        leaders = {0, self.sub} | {i for i in labels.values() if i < len(ins)}
        for k, x in enumerate(ins):
            if x.op.startswith(("BRA", "EXIT", "RET", "BRX", "JMX")) and k + 1 < len(ins):
                leaders.add(k + 1)
        starts = sorted(i for i in leaders if i < len(ins))
        self.blocks = [(a, b) for a, b in zip(starts, starts[1:] + [len(ins)]) if a < self.sub]
        at = {a: n for n, (a, _) in enumerate(self.blocks)}
        self.succ = []
        for n, (a, b) in enumerate(self.blocks):
            last, s = ins[b - 1], []
            head = last.args.split("`")[0]
            conditional = bool(last.pred) or bool(re.search(r"\bU?P[0-6]\b", head))
            fall = n + 1 if n + 1 < len(self.blocks) else None
            if last.op.startswith("BRA") and last.target in labels:
                s.append(at.get(labels[last.target]))
                if conditional:
                    s.append(fall)
            elif last.op.startswith(("EXIT", "RET")):
                if last.pred:
                    s.append(fall)
            else:
                s.append(fall)
            self.succ.append([x for x in s if x is not None])
        self.size = [b - a for a, b in self.blocks]
        self.cold = [any(ins[k].op.startswith("CALL") for k in range(a, b)) for a, b in self.blocks]
        pred = collections.defaultdict(list)
        for n, ss in enumerate(self.succ):
            for s in ss:
                pred[s].append(n)
        loops = collections.defaultdict(set)
        self.latch = {}
        for n, ss in enumerate(self.succ):
            a, b = self.blocks[n]
            if b - a == 1 and ins[a].op.startswith("BRA") and ss == [n]:
                continue  # the `BRA` to itself that ends a kernel's code, after its EXIT: no loop
            for h in ss:
                if h <= n:  # back edge n -> h
                    body, stack = {h, n}, [n]
                    while stack:
                        x = stack.pop()
                        if x != h:
                            for p in pred[x]:
                                if p not in body:
                                    body.add(p)
                                    stack.append(p)
                    loops[h] |= body
                    self.latch[h] = max(self.latch.get(h, n), n)
        self.loops = dict(loops)
        self.parent = {}
        for h, body in self.loops.items():
            outer = [g for g, b2 in self.loops.items() if g != h and body < b2]
            self.parent[h] = min(outer, key=lambda g: len(self.loops[g])) if outer else None
        self.children = collections.defaultdict(list)
        for h, p in self.parent.items():
            self.children[p].append(h)

    def own_blocks(self, h):
        inner = set()
        for c in self.children[h]:
            inner |= self.loops[c]
        return self.loops[h] - inner

    def counted(self, i, exclude):
        """Whether instruction i counts on a path: not when its inline chain passes through a line of `exclude`
        (the body of an unrolled inner loop, peeled into this loop's code; counted with that loop)."""
        return not exclude or not any(loc in exclude for loc in (self.ins[i].chain or ()))

    def iteration_path(self, h, exclude=frozenset()):
        """The longest path (instructions) through one iteration of loop h, cold blocks left out, inner loops
        collapsed to nothing. Returns (count, [block, ...])."""
        own, unit_of = self.own_blocks(h), {}
        for c in self.children[h]:
            for b in self.loops[c]:
                unit_of[b] = ("loop", c)
        for b in own:
            unit_of[b] = ("block", b)

        def succs(u):
            srcs = [u[1]] if u[0] == "block" else list(self.loops[u[1]])
            out = set()
            for b in srcs:
                for s in self.succ[b]:
                    if s == h or s not in self.loops[h]:
                        continue  # back edge or exit: the iteration ends
                    v = unit_of[s]
                    if v != u:
                        out.add(v)
            return out

        memo, active = {}, set()

        def best(u):
            if u in memo:
                return memo[u]
            if u in active:
                return (-math.inf, [])  # a cycle that is no loop of ours: do not follow it
            active.add(u)
            w = 0
            if u[0] == "block":
                if self.cold[u[1]]:
                    active.discard(u)
                    memo[u] = (-math.inf, [])
                    return memo[u]
                a, b = self.blocks[u[1]]
                w = sum(1 for i in range(a, b) if self.counted(i, exclude))
            tail = (0, [])
            for v in succs(u):
                cand = best(v)
                if cand[0] > tail[0]:
                    tail = cand
            active.discard(u)
            memo[u] = (w + tail[0], ([u[1]] if u[0] == "block" else []) + tail[1])
            return memo[u]

        return best(unit_of[h])

    def branch_chain(self, h):
        return self.ins[self.blocks[self.latch[h]][1] - 1].chain or ()


# --------------------------------------------------------------------------------------------- counting
_lines = {}
DUMP = None  # --dump REGEX: print the executed path of the matching roles


def source_line(path, n):
    if path not in _lines:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                _lines[path] = f.read().splitlines()
        except OSError:
            _lines[path] = []
    lines = _lines[path]
    return lines[n - 1] if 1 <= n <= len(lines) else ""


def classify(op):
    base = op.split(".")[0]
    if base in ("DFMA", "DMUL", "DADD", "DSETP", "DMNMX"):
        return "fp64"
    if base in ("FFMA", "FMUL", "FADD", "FSETP", "FMNMX", "FSEL", "FSWZADD"):
        return "fp32"
    if base == "MUFU":
        return "mufu (sfu)"
    if base in ("I2F", "F2I", "F2F", "I2FP", "F2FP", "FRND"):
        return "conversions"
    if op.startswith(("IMAD.MOV", "MOV", "IMAD.U32")) or base in ("UMOV", "S2R", "S2UR", "CS2R", "R2UR", "SEL"):
        return "moves / selects"
    if op.startswith(("IMAD.WIDE", "IMAD.HI")) or base in ("IMAD", "IADD3", "VIADD", "LEA", "IABS", "IMNMX",
                                                            "UIMAD", "UIADD3", "ULEA"):
        return "integer arithmetic"
    if base in ("LOP3", "SHF", "PRMT", "ULOP3", "USHF", "BMSK", "FLO", "POPC", "PLOP3"):
        return "logic / shifts"
    if base in ("LDS", "STS", "LDG", "STG", "LD", "ST", "LDL", "STL", "LDC", "ULDC", "ATOMS", "RED"):
        return "memory"
    if base in ("ISETP", "BRA", "BSSY", "BSYNC", "WARPSYNC", "BAR", "EXIT", "CALL", "RET", "NOP", "UISETP", "DEPBAR"):
        return "control / compares"
    return "other"


def philox_lines():
    """The lines of relumc's own Philox in sample_contract.hpp: philox_mulhilo through philox_block."""
    path = os.path.join(ROOT, "include", "relumc", "math", "sample_contract.hpp")
    with open(path) as f:
        text = f.read().splitlines()
    first = next(n for n, t in enumerate(text) if "inline void philox_mulhilo(" in t)
    block = next(n for n, t in enumerate(text) if "inline PhiloxWords philox_block(" in t)
    last = next(n for n in range(block, len(text)) if text[n].startswith("}"))
    return frozenset(range(first + 1, last + 2))


PHILOX_LINES = philox_lines()


def origin(chain):
    files = [os.path.basename(f) for f, _ in (chain or ())]
    if any(f == "philox.h" or (f == "sample_contract.hpp" and n in PHILOX_LINES)
           for f, n in zip(files, (n for _, n in (chain or ())))):
        return "Philox"
    if files and files[0] in ("lane_math-inl.hpp", "scalar_ops.hpp", "sample_contract.hpp"):
        return "Box-Muller / lane math"
    return "kernel (index math, loads, sums)"


def match_roles(k, roles):
    """role name -> [loop headers]; unmatched loops are an error (a kernel changed: update the roles).
    A role's `nth` numbers, in source order, the caller lines that match its caller regex (inlined copies of
    one loop), or without a caller regex the loop lines that match its loop regex (loops written alike)."""
    assigned, unmatched = collections.defaultdict(list), []
    chains = {h: k.branch_chain(h) for h in k.loops}
    for h in sorted(k.loops):
        ch = chains[h]
        if not ch:
            unmatched.append((h, "no line info"))
            continue
        text = source_line(*ch[0])
        caller = source_line(*ch[1]) if len(ch) > 1 else ""
        hit = None
        for name, loop_re, caller_re, nth, _, _, _ in roles:
            if not re.search(loop_re, text) or (caller_re is not None and not re.search(caller_re, caller)):
                continue
            if nth is not None:
                if caller_re is not None:
                    seen = sorted({c[1] for c in chains.values() if len(c) > 1 and c[0] == ch[0]
                                   and re.search(caller_re, source_line(*c[1]))})
                    mine = ch[1]
                else:
                    seen = sorted({c[0] for c in chains.values() if c and re.search(loop_re, source_line(*c[0]))})
                    mine = ch[0]
                if seen.index(mine) != nth:
                    continue
            hit = name
            break
        if hit is None:
            unmatched.append((h, f"{os.path.basename(ch[0][0])}:{ch[0][1]} `{text.strip()}`"))
        else:
            assigned[hit].append(h)
    return assigned, unmatched


def count(k, roles, skip=frozenset()):
    """Thread-instructions per normal: per role, (instructions per iteration) x (iterations per normal).
    skip: inlined locations whose instructions never run in this count (the other contract's branch)."""
    assigned, unmatched = match_roles(k, roles)
    if unmatched:
        msg = "; ".join(f"loop at {k.ins[k.blocks[h][0]].addr:#06x}: {why}" for h, why in unmatched)
        sys.exit(f"sass_budget: loops not in the roles (did a kernel change?): {msg}")
    # Unrollable inner loops (roles with a signature): their source lines, so that the copies of their body
    # that the compiler peels into the enclosing loop count with them (as remainder iterations), not twice.
    body_lines = {}
    for name, _, _, _, _, _, sig in roles:
        for h in assigned.get(name, []) if sig else []:
            f0 = k.branch_chain(h)[0][0]
            body_lines[h] = {loc for b in k.own_blocks(h) for i in range(*k.blocks[b])
                             for loc in (k.ins[i].chain or ()) if loc[0] == f0}
    everything = frozenset(set().union(*body_lines.values())) if body_lines else frozenset()
    total, per_role, fp64 = 0.0, [], 0.0
    by_class, by_origin = collections.Counter(), collections.Counter()
    for name, _, _, _, items, iters, sig in roles:
        hs = assigned.get(name, [])
        if not hs or items == 0:
            per_role.append((name, len(hs), 0, 0.0))
            continue
        info = []  # (unroll, instructions per trip, path, exclusion) per compiled loop
        for h in hs:
            exclude = (everything - body_lines.get(h, set())) | skip
            n, path = k.iteration_path(h, exclude)
            unroll = 1
            if sig:
                unroll = max(1, sum(1 for b in k.own_blocks(h) for i in range(*k.blocks[b])
                                    if re.search(sig, k.ins[i].op)))
            info.append((unroll, n, path, exclude))
        # Trips: the widest unrolled loop first, then each narrower one, then (remainder peeled into the
        # enclosing code) the leftover iterations at the widest loop's cost per iteration. Two versions of
        # one width (loop versioning): the longer one.
        parts, left = [], iters  # (trips per item, path, exclusion)
        for u in sorted({x[0] for x in info}, reverse=True):
            best = max((x for x in info if x[0] == u), key=lambda x: x[1])
            trips = left // u
            if trips:
                parts.append((trips, best[2], best[3]))
            left -= trips * u
        widest = max(info, key=lambda x: (x[0], x[1]))
        cost = 0.0
        for trips, path, exclude in parts + ([(left / widest[0], widest[2], widest[3])] if left else []):
            w = items * trips
            for b in path:
                for i in range(*k.blocks[b]):
                    if not k.counted(i, exclude):
                        continue
                    x = k.ins[i]
                    cost += w
                    by_class[classify(x.op)] += w
                    by_origin[origin(x.chain)] += w
                    if classify(x.op) == "fp64":
                        fp64 += w
        per_role.append((name, len(hs), max(x[0] for x in info), cost))
        if DUMP and re.search(DUMP, name):
            print(f"--- {name}: loops " + ", ".join(f"{k.ins[k.blocks[h][0]].addr:#06x} (unroll {x[0]}, {x[1]} per trip)"
                                                    for h, x in zip(hs, info)) +
                  f"; items/normal {items:.4g}, iterations/item {iters}, leftover {left}")
            for trips, path, exclude in parts:
                print(f"    {trips} trip(s) per item of:")
                for b in path:
                    for i in range(*k.blocks[b]):
                        if k.counted(i, exclude):
                            x = k.ins[i]
                            loc = f"{os.path.basename(x.chain[0][0])}:{x.chain[0][1]}" if x.chain else ""
                            print(f"      {x.addr:#06x} {x.pred:5} {x.op:22} {x.args[:60]:60} {loc}")
        total += cost
    return {"total": total, "fp64": fp64, "roles": per_role, "by_class": dict(by_class), "by_origin": dict(by_origin)}


def find_kernel(funcs, pattern):
    hits = [n for n in funcs if re.search(pattern, n)]
    if len(hits) != 1:
        sys.exit(f"sass_budget: {len(hits)} kernels match {pattern!r} (want 1): {hits}")
    return hits[0]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--cubin-dir", default=None, help="read the cubins here instead of building the guards' ones")
    ap.add_argument("--nvdisasm", default=None)
    ap.add_argument("--contract", default="v1")
    ap.add_argument("--precision", default="double,float")
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--K", default="1,4,16")
    ap.add_argument("--json", default=None)
    ap.add_argument("--breakdown", action="store_true", help="per loop and per instruction class")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--dump", default=None, metavar="REGEX", help="print the counted path of the roles that match")
    ap.add_argument("--scale-targets", type=float, default=1.0, metavar="F",
                    help="multiply every target by F (the guard's own test: F = 0.5 must make --check fail)")
    a = ap.parse_args(argv)
    Ks = [int(x) for x in a.K.split(",")]
    if not a.scale_targets > 0:
        sys.exit(f"sass_budget: --scale-targets {a.scale_targets}: must be > 0")
    TARGETS["floor"] = {k: v * a.scale_targets for k, v in TARGETS["floor"].items()}
    TARGETS["fused_over_floor"] = {k: v * a.scale_targets for k, v in TARGETS["fused_over_floor"].items()}
    global DUMP
    DUMP = a.dump
    cubin_dir = a.cubin_dir
    if cubin_dir is None:
        cubin_dir = os.path.join(a.build_dir, "kernel_guards")
        proc = subprocess.run(["cmake", "--build", a.build_dir, "--target", "relumc_kernel_guards"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"sass_budget: building relumc_kernel_guards in {a.build_dir} failed (configure it with CUDA "
                     f"first: cmake -S . -B {a.build_dir}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    nvdisasm = find_nvdisasm(a.nvdisasm)
    funcs = {}
    for name in CUBINS:
        path = os.path.join(cubin_dir, name)
        if not os.path.exists(path):
            sys.exit(f"sass_budget: {path} missing")
        funcs.update(disassemble(nvdisasm, path))
    version = subprocess.run([nvdisasm, "--version"], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    rows, misses, out = [], [], {"d": a.d, "nvdisasm": version, "cubins": cubin_dir, "rows": []}
    for prec in [p.strip() for p in a.precision.split(",") if p.strip()]:
        key = (a.contract, prec)
        if key not in CONTRACTS:
            sys.exit(f"sass_budget: no kernels for contract {a.contract} in {prec} (known: {sorted(CONTRACTS)})")
        syms = CONTRACTS[key]
        elem = 8 if prec == "double" else 4
        kf = Kernel(funcs[find_kernel(funcs, syms["floor"])])
        ke = Kernel(funcs[find_kernel(funcs, syms["estimator"])])
        floor = count(kf, floor_roles(Case(a.d, 1, elem)), other_branch(kf, a.contract))
        rows.append((a.contract, prec, "floor", "-", floor))
        limit = TARGETS["floor"].get(key)
        if limit is not None and floor["total"] > limit:
            misses.append(f"{a.contract} {prec} floor {floor['total']:.1f} > {limit:g}")
        for K in Ks:
            c = Case(a.d, K, elem)
            r = count(ke, estimator_roles(c), other_branch(ke, a.contract) | block_body(ke, not_executed(c)))
            r["ns"] = c.ns
            rows.append((a.contract, prec, "grad", K, r))
            lim = TARGETS["fused_over_floor"].get(K)
            if lim is not None and r["total"] > lim * floor["total"]:
                misses.append(f"{a.contract} {prec} grad K={K}: {r['total'] / floor['total']:.2f}x the floor > {lim:g}x")
    print(f"SASS instructions per normal on the executed path (sm_90; d = {a.d}, K = K*, grad; "
          f"128-thread blocks; {version})")
    print("| contract | precision | kernel | K | instr/normal | x floor | fp64/normal | H200 / H100 SXM issue-bound "
          "normals/s | H100 PCIe | fp64-bound (H200) | target |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    floors = {}
    for contract, prec, kind, K, r in rows:
        if kind == "floor":
            floors[(contract, prec)] = r["total"]
        fl = floors[(contract, prec)]
        tgt = ""
        if kind == "floor" and (contract, prec) in TARGETS["floor"]:
            lim = TARGETS["floor"][(contract, prec)]
            tgt = f"<= {lim:g}: {'PASS' if r['total'] <= lim else 'MISS'}"
        if kind == "grad" and K in TARGETS["fused_over_floor"]:
            lim = TARGETS["fused_over_floor"][K]
            tgt = f"<= {lim:g}x floor: {'PASS' if r['total'] <= lim * fl else 'MISS'}"
        fp64b = f"{CHIPS['H200'][1] / r['fp64']:.3g}" if r["fp64"] else "-"
        print(f"| {contract} | {prec} | {kind} | {K} | {r['total']:.1f} | {r['total'] / fl:.2f} | {r['fp64']:.1f} | "
              f"{CHIPS['H200'][0] / r['total']:.3g} | {CHIPS['H100 PCIe'][0] / r['total']:.3g} | {fp64b} | {tgt} |")
        out["rows"].append({"contract": contract, "precision": prec, "kernel": kind, "K": K, **r,
                            "issue_bound": {chip: v[0] / r["total"] for chip, v in CHIPS.items()}})
    if a.breakdown:
        for contract, prec, kind, K, r in rows:
            print(f"\n{contract} {prec} {kind} K={K}: {r['total']:.1f} instructions per normal")
            for name, nloops, unroll, cost in r["roles"]:
                if cost:
                    print(f"  {cost:7.2f}  {name}  ({nloops} compiled loop(s){f', unrolled {unroll}x' if unroll > 1 else ''})")
            print("  by class:  " + ", ".join(f"{c} {v:.1f}" for c, v in sorted(r["by_class"].items(), key=lambda x: -x[1])))
            print("  by origin: " + ", ".join(f"{c} {v:.1f}" for c, v in sorted(r["by_origin"].items(), key=lambda x: -x[1])))
    print("\nTargets missed: " + "; ".join(misses) if misses else "\nAll targets met.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    return 1 if a.check and misses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
