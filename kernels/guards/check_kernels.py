#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Static guards on the CUDA kernels, from their PTX and ptxas' report (no GPU needed).

The sample contract is bit-exact (docs/sample-contract.md): the device must round every float operation
as the CPU does. nvcc compiles the kernels with --fmad=false, which makes it write `.rn` on every float
multiply, add and subtract (ptxas never fuses an instruction that names its rounding) and emit `fma`
only where the source calls fma/fmaf/MulAdd. These checks hold that, and the launch shape:

  rounding      every mul/add/sub/mad/fma on .f16/.f32/.f64 names .rn (no contraction by ptxas)
  approx        no .approx, .ftz or .full float instruction (fast math, flushed subnormals); the one
                exception is rsqrt.approx.ftz.f32 on a source line marked `guard: approx-ok` (the
                seed of a square root refined to IEEE rounding, scalar_ops.hpp's RadiusSqrt)
  fma-source    every fma.rn / mad.rn comes from a source line that writes fma, fmaf or MulAdd
                (needs -lineinfo: the .loc before it names the line; contraction by NVVM fails here)
  launch-bounds every kernel declares __launch_bounds__ (.maxntid), at least --launch-limit K=N where
                the launcher picks the block size at run time (so a block of N threads always launches)
  launch-site   every kernel<<<grid, block>>> in --source files whose block is a literal or a constexpr of
                that file stays within the kernel's bound; other block sizes need a --launch-limit
  registers     registers x .maxntid <= 65536 (one block fits the register file)
  spill         ptxas reports 0 bytes of spill stores and loads for every function

Usage (CMake runs it: kernels/guards/kernel_guards.cmake):
  check_kernels.py --ptxas PTXAS --arch sm_90 --out-dir DIR [--launch-limit K=N ...]
                   [--source A.cu ...] [--stamp FILE] [--expect KIND,...] PTX ...
ptxas -v compiles each PTX to DIR/<name>.cubin (with -lineinfo; bench/sass_budget.py reads them) and
DIR/<name>.ptxas.txt. Exit 0: all hold (a summary line per kernel); 1: each violation printed as
`file:line: [kind] why`. With --expect, the test mode: exit 0 only if every listed kind was violated
(tests/support/kernel_guard_probes.cu and a --fmad=true copy of the estimator show the checks can fail).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

KINDS = ("rounding", "approx", "fma-source", "launch-bounds", "launch-site", "registers", "spill")
FLOAT_TYPES = ("f16", "f16x2", "bf16", "bf16x2", "f32", "f64")
ROUNDED_OPS = ("mul", "add", "sub", "mad", "fma")
FMA_SOURCE = re.compile(r"fma|muladd", re.IGNORECASE)
REGISTER_FILE = 65536


class Report:
    def __init__(self):
        self.items = []  # (kind, where, why)

    def add(self, kind, where, why):
        self.items.append((kind, where, why))

    def kinds(self):
        return {k for k, _, _ in self.items}


def demangle(names):
    tool = shutil.which("c++filt")
    if not tool or not names:
        return {n: n for n in names}
    out = subprocess.run([tool], input="\n".join(names), capture_output=True, text=True).stdout.splitlines()
    return dict(zip(names, out)) if len(out) == len(names) else {n: n for n in names}


def kernel_matches(mangled, name):
    """True when the mangled symbol is (an instantiation of) the function `name`."""
    return f"{len(name)}{name}" in mangled or mangled == name


class SourceCache:
    def __init__(self):
        self.files = {}

    def line(self, path, n):
        if path not in self.files:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    self.files[path] = f.read().splitlines()
            except OSError:
                self.files[path] = None
        lines = self.files[path]
        if lines is None or not 1 <= n <= len(lines):
            return None
        return lines[n - 1]


def parse_ptx(path):
    """Entries with their launch directives, and every instruction with its innermost .loc."""
    text = open(path, encoding="utf-8", errors="replace").read()
    files = {int(m.group(1)): m.group(2) for m in re.finditer(r'^\s*\.file\s+(\d+)\s+"([^"]+)"', text, re.M)}
    entries = {}
    for m in re.finditer(r"\.entry\s+([\w$]+)\s*\((.*?)\)\s*([^{]*)\{", text, re.S):
        head = m.group(3)
        mx = re.search(r"\.(maxntid|reqntid)\s+(\d+)(?:\s*,\s*(\d+))?(?:\s*,\s*(\d+))?", head)
        bound = None
        if mx:
            bound = 1
            for g in mx.groups()[1:]:
                bound *= int(g) if g else 1
        entries[m.group(1)] = bound
    instructions = []  # (ptx line number, opcode, text, (file, line) or None)
    loc = None
    for n, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if s.startswith(".loc"):
            p = s.split()
            try:
                loc = (files.get(int(p[1])), int(p[2]))
            except (IndexError, ValueError):
                loc = None
            continue
        if not s or s[0] in "./{}$" or s.startswith("//"):
            if s.startswith(".entry") or s.startswith(".func") or s.startswith(".visible"):
                loc = None
            continue
        if s.startswith("@"):
            s = s.split(None, 1)[1] if " " in s or "\t" in s else ""
        op = s.split(None, 1)[0].rstrip(";") if s else ""
        if op:
            instructions.append((n, op, s, loc))
    return entries, instructions


def check_ptx(path, report, sources):
    entries, instructions = parse_ptx(path)
    has_loc = any(loc for _, _, _, loc in instructions)
    fma_checked = 0
    for n, op, text, loc in instructions:
        parts = op.split(".")
        base, mods, typ = parts[0], parts[1:-1], parts[-1]
        if typ not in FLOAT_TYPES:
            continue
        where = f"{path}:{n}"
        if loc and loc[0]:
            where += f" ({loc[0]}:{loc[1]})"
        if base in ROUNDED_OPS and "rn" not in mods:
            report.add("rounding", where, f"`{op}` names no rounding (.rn): ptxas may contract it into an fma")
        bad = [m for m in mods if m in ("approx", "ftz", "full")]
        # The one allowed approximation: rsqrt.approx inside a correctly rounded square root whose source
        # line says so (scalar_ops.hpp's RadiusSqrt: sqrtf's own fast path, refined to IEEE rounding).
        src = sources.line(*loc) if bad and loc and loc[0] else None
        if bad and op == "rsqrt.approx.ftz.f32" and src is not None and "guard: approx-ok" in src:
            bad = []
        if bad:
            report.add("approx", where, f"`{op}` is .{'/.'.join(bad)}: not the contract's IEEE rounding")
        if base in ("fma", "mad") and "rn" in mods:
            if not has_loc:
                continue
            fma_checked += 1
            src = sources.line(*loc) if loc and loc[0] else None
            if src is None:
                report.add("fma-source", where, f"`{op}` has no source line to check (no .loc before it)")
            elif not FMA_SOURCE.search(src):
                report.add("fma-source", where, f"`{op}` but the source line writes no fma/MulAdd: "
                                                 f"`{src.strip()}` (contracted a*b+c?)")
    if not has_loc:
        report.add("fma-source", path, "no .loc lines: compile the PTX with -lineinfo to check where fma comes from")
    return entries, fma_checked


def run_ptxas(ptxas, arch, ptx, out_dir):
    stem = os.path.splitext(os.path.basename(ptx))[0]
    cubin = os.path.join(out_dir, stem + ".cubin")
    proc = subprocess.run([ptxas, f"-arch={arch}", "-v", "-lineinfo", ptx, "-o", cubin],
                          capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    with open(os.path.join(out_dir, stem + ".ptxas.txt"), "w") as f:
        f.write(log)
    if proc.returncode != 0:
        sys.exit(f"check_kernels: ptxas failed on {ptx} (exit {proc.returncode}):\n{log}")
    return log


def parse_ptxas(log):
    """{function: {"spill_stores", "spill_loads", "registers"}} from ptxas -v."""
    funcs, current = {}, None
    for line in log.splitlines():
        m = re.search(r"Function properties for (\S+)", line)
        if m:
            current = funcs.setdefault(m.group(1), {})
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and current is not None:
            current.update(stack=int(m.group(1)), spill_stores=int(m.group(2)), spill_loads=int(m.group(3)))
            continue
        m = re.search(r"Compiling entry function '([^']+)'", line)
        if m:
            current = funcs.setdefault(m.group(1), {})
            continue
        m = re.search(r"Used (\d+) registers", line)
        if m and current is not None:
            current["registers"] = int(m.group(1))
    return funcs


def split_top(s):
    out, depth, cur = [], 0, ""
    for c in s:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip():
        out.append(cur.strip())
    return out


def launch_sites(path):
    """(line, kernel, block expression, value or None) for every kernel<<<...>>> in a source file."""
    text = open(path, encoding="utf-8").read()
    consts = {m.group(1): int(m.group(2)) for m in
              re.finditer(r"constexpr\s+(?:int|unsigned|int32_t|uint32_t|size_t)\s+(\w+)\s*=\s*(\d+)\s*;", text)}
    sites = []
    for m in re.finditer(r"\b(\w+)\s*(?:<[^<>;]*>)?\s*<<<(.*?)>>>", text, re.S):
        args = split_top(m.group(2))
        if len(args) < 2:
            continue
        block = args[1]
        value = None
        if re.fullmatch(r"\d+", block):
            value = int(block)
        elif block in consts:
            value = consts[block]
        sites.append((text.count("\n", 0, m.start()) + 1, m.group(1), block, value))
    return sites


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ptx", nargs="+")
    ap.add_argument("--ptxas", required=True)
    ap.add_argument("--arch", default="sm_90")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--launch-limit", action="append", default=[], metavar="KERNEL=N")
    ap.add_argument("--source", action="append", default=[], metavar="CU", help="a .cu file whose launches to check")
    ap.add_argument("--expect", default=None, help="test mode: comma-separated kinds that must be violated")
    ap.add_argument("--stamp", default=None, help="written with the summary when every check holds, else removed")
    a = ap.parse_args(argv)
    os.makedirs(a.out_dir, exist_ok=True)
    limits = {}
    for item in a.launch_limit:
        k, _, v = item.partition("=")
        limits[k] = int(v)
    report, sources = Report(), SourceCache()
    bounds, props, summary = {}, {}, []
    missing = [p for p in a.ptx if not os.path.exists(p)]
    if missing:
        sys.exit(f"check_kernels: no PTX at {', '.join(missing)} (build its target first: relumc_kernel_ptx, "
                 "or relumc_kernel_guard_probe_ptx for the probes)")
    for ptx in a.ptx:
        entries, fmas = check_ptx(ptx, report, sources)
        bounds.update(entries)
        funcs = parse_ptxas(run_ptxas(a.ptxas, a.arch, ptx, a.out_dir))
        props.update(funcs)
        for fn, p in funcs.items():
            if p.get("spill_stores", 0) or p.get("spill_loads", 0):
                report.add("spill", ptx, f"{fn}: ptxas spills {p['spill_stores']} bytes (stores) and "
                                         f"{p['spill_loads']} bytes (loads) to local memory")
        summary.append(f"{os.path.basename(ptx)}: {len(entries)} kernels, {fmas} fma checked against their source")
    names = demangle(sorted(bounds))
    for entry, bound in sorted(bounds.items()):
        pretty = names.get(entry, entry)
        regs = props.get(entry, {}).get("registers")
        if bound is None:
            report.add("launch-bounds", entry, f"{pretty}: no __launch_bounds__ (.maxntid): ptxas may use more "
                                               "registers than a large block can have, and the launch fails at run time")
        for k, need in limits.items():
            if kernel_matches(entry, k) and (bound or 0) < need:
                report.add("launch-bounds", entry, f"{pretty}: bound {bound} < {need}, the largest block its "
                                                   f"launcher allows (--launch-limit {k}={need})")
        if bound and regs and regs * bound > REGISTER_FILE:
            report.add("registers", entry, f"{pretty}: {regs} registers x {bound} threads > {REGISTER_FILE}")
        p = props.get(entry, {})
        summary.append(f"  {pretty}: __launch_bounds__ {bound}, {regs} registers, "
                       f"spills {p.get('spill_stores', '?')}/{p.get('spill_loads', '?')} bytes")
    for src in a.source:
        for line, kernel, block, value in launch_sites(src):
            mine = [b for e, b in bounds.items() if kernel_matches(e, kernel)]
            if not mine:
                continue  # a kernel of another file (or a host function named like one)
            where = f"{src}:{line}"
            if value is None:
                if kernel not in limits:
                    report.add("launch-site", where, f"{kernel}<<<..., {block}>>>: a block size read at run time; "
                                                     f"declare the launcher's largest (--launch-limit {kernel}=N)")
                continue
            for b in mine:
                if b is not None and value > b:
                    report.add("launch-site", where, f"{kernel}<<<..., {block} = {value}>>> exceeds its "
                                                     f"__launch_bounds__ ({b}): the launch would fail")
    for kind, where, why in report.items:
        print(f"{where}: [{kind}] {why}")
    if a.expect is not None:
        want = [k.strip() for k in a.expect.split(",") if k.strip()]
        unknown = [k for k in want if k not in KINDS]
        if unknown:
            sys.exit(f"check_kernels: unknown kinds {unknown} (known: {', '.join(KINDS)})")
        missing = [k for k in want if k not in report.kinds()]
        print(f"check_kernels (expect mode): wanted {', '.join(want)}; "
              f"{'all caught' if not missing else 'NOT caught: ' + ', '.join(missing)}")
        return 1 if missing else 0
    summary.append(f"check_kernels: {len(bounds)} kernels, {len(report.items)} violation(s)")
    print("\n".join(summary))
    if a.stamp:
        if report.items:
            if os.path.exists(a.stamp):
                os.remove(a.stamp)
        else:
            with open(a.stamp, "w") as f:
                f.write("\n".join(summary) + "\n")
    return 1 if report.items else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
