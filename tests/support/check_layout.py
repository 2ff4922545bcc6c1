#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The layout's promises, checked on the source tree (CTest: Layout.Guards).

1. Nothing under include/ includes host/, kernels/ or tests/ (public headers stand alone).
2. Nothing in the library (host/<area>, kernels/) includes host/cli (frontends sit on the library).
3. No string literal in the library (include/, host/<area>, kernels/) names a command-line --flag: the
   library speaks in fields (`lr`), and only host/cli renders them as flags (include/relumc/core/errors.hpp).
4. Areas pair up: every host/<area>/X.cpp has include/relumc/<area>/X.hpp, except the files listed in
   UNPAIRED with the reason they have none.
5. The Python module (python/src) is a frontend on the public headers: it includes relumc/... (the
   umbrella include/relumc/relumc.hpp or area headers) and nanobind, never host/, kernels/ or tests/.

Usage: check_layout.py SOURCE_DIR   (exit 0: all hold; 1: each violation printed as file:line: why)
"""
import pathlib
import re
import sys

AREAS = ["core", "math", "plan", "backend", "stats", "run", "io", "regress", "dynamics", "landscape"]
FRONTENDS = ["cli", "plots"]
UNPAIRED = {
    "host/backend/cpu/cpu_scalar.cpp": "instantiates the chunk kernel (host/backend/cpu/cpu_kernel.hpp)",
    "host/backend/cpu/cpu_simd.cpp": "instantiates the chunk kernel per SIMD target",
    "host/backend/cuda/cuda_unavailable.cpp": "relumc/backend/cuda/cuda_backend.hpp in a build without CUDA",
    "host/dynamics/init.cpp": "initial weights of relumc/dynamics/dynamics.hpp",
    "host/dynamics/gradient_descent.cpp": "the descent of relumc/dynamics/dynamics.hpp",
    "host/dynamics/experiment_radius.cpp": "one experiment of relumc/dynamics/experiments.hpp",
    "host/dynamics/experiment_symmetry.cpp": "one experiment of relumc/dynamics/experiments.hpp",
    "host/dynamics/experiment_batch.cpp": "one experiment of relumc/dynamics/experiments.hpp",
    "host/landscape/fixed_point.cpp": "the fixed points of relumc/landscape/ode.hpp",
    "host/landscape/eigen_general.cpp": "general_eigenvalues of relumc/landscape/eigen.hpp",
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
# A double-quoted C++ string literal (escapes allowed), outside comments.
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
FLAG = re.compile(r'(?<![\w-])--[a-z][a-z0-9-]*')


def strip_comments(text):
    """Removes // and /* */ comments, keeping string literals and line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def sources(root, top):
    for p in sorted((root / top).rglob("*")):
        if p.suffix in (".hpp", ".cpp", ".cu", ".cuh", ".in"):
            yield p


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    bad = []
    library = list(sources(root, "include")) + list(sources(root, "kernels"))
    library += [p for a in AREAS for p in sources(root, "host/" + a)]
    for p in library:
        rel = p.relative_to(root).as_posix()
        text = p.read_text()
        for n, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = m.group(1)
            if rel.startswith("include/") and inc.split("/")[0] in ("host", "kernels", "tests"):
                bad.append(f"{rel}:{n}: a public header includes {inc}")
            if inc.startswith("host/cli/") or inc.startswith("host/plots/"):
                bad.append(f"{rel}:{n}: the library includes the frontend {inc}")
        for n, line in enumerate(strip_comments(text).splitlines(), 1):
            if INCLUDE.match(line):
                continue
            for lit in LITERAL.findall(line):
                for flag in FLAG.findall(lit):
                    bad.append(f"{rel}:{n}: a library string names the flag {flag}: \"{lit}\"")
    py_include = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
    for p in sources(root, "python/src"):
        rel = p.relative_to(root).as_posix()
        for n, line in enumerate(p.read_text().splitlines(), 1):
            m = py_include.match(line)
            if m and m.group(1).split("/")[0] in ("host", "kernels", "tests"):
                bad.append(f"{rel}:{n}: the Python module includes {m.group(1)} (only the public headers, relumc/...)")
    for p in (q for a in AREAS for q in sources(root, "host/" + a)):
        rel = p.relative_to(root).as_posix()
        if p.suffix != ".cpp" or rel in UNPAIRED:
            continue
        header = root / "include/relumc" / p.relative_to(root / "host").with_suffix(".hpp")
        if not header.exists():
            bad.append(f"{rel}: no header {header.relative_to(root).as_posix()} (pair it, or list it in UNPAIRED)")
    for rel in UNPAIRED:
        if not (root / rel).exists():
            bad.append(f"{rel}: listed in UNPAIRED but gone")
    host_dirs = {d.name for d in (root / "host").iterdir() if d.is_dir()}
    for d in sorted(host_dirs - set(AREAS) - set(FRONTENDS)):
        bad.append(f"host/{d}: not an area of the layout ({', '.join(AREAS)}) nor a frontend")
    loose = [p.name for p in (root / "host").iterdir() if p.is_file()]
    for name in sorted(loose):
        bad.append(f"host/{name}: a file outside the areas")
    for b in bad:
        print(b)
    print(f"check_layout: {len(library)} library files, {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
