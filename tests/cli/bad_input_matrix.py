#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The bad-input matrix (issue 12): every subcommand of relumc over a table of bad inputs (numbers that are
# not numbers, NaN, infinities, negatives, zeros, huge values, empty strings, missing files, directories and
# devices given as files, malformed JSON, unknown and conflicting flags, outputs that cannot be directories).
# Each attempt must be refused cleanly: exit status 2, a message on stderr naming the bad value (or the flag,
# for an empty one), and no file written, changed or removed in the directory it runs in.
#
#   bad_input_matrix.py RELUMC [--verbose]      prints "N tried, N refused cleanly"; exit 1 on any failure
#
# Every attempt runs in a fresh directory holding the fixtures below, with a 20 s limit (a refusal takes
# milliseconds; a hang is a failure).
import hashlib
import os
import subprocess
import sys
import tempfile

RELUMC = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "relumc"
VERBOSE = "--verbose" in sys.argv

GOOD_SUITE = """{"suite": "tiny", "seed": 1, "alpha": 0.01, "backend": "cpu", "precision": "double", "threads": 1,
 "groups": [{"name": "g", "quantities": ["gating"], "dims": [2], "angles": [1.0], "norms": [1],
             "samples": [1000]}]}"""

FIXTURES = {
    "suite.json": GOOD_SUITE,
    "gating.json": '{"e": [1, 0], "w": [0.5, 0.5]}',
    "weights.json": '{"student": [[1, 0]], "teacher": [[0, 1]]}',
    "truncated.json": '{"e": [1, 0], "w": [0.5',
    "deep.json": "[" * 70000 + "]" * 70000,
    "dupkey.json": '{"e": [1, 0], "e": [0, 1], "w": [1, 1]}',
    "nan.json": '{"e": [NaN, 0], "w": [1, 1]}',
    "huge.json": '{"e": [1e400, 0], "w": [1, 1]}',
    "zero.json": '{"e": [0, 0], "w": [1, 1]}',
    "mismatch.json": '{"e": [1, 0, 0], "w": [1, 1]}',
    "ragged.json": '{"student": [[1, 0], [1]], "teacher": [[0, 1]]}',
    "nostudent.json": '{"teacher": [[0, 1]]}',
    "string.json": '{"e": ["1", 0], "w": [1, 1]}',
    "empty.json": "",
    "garbage.json": "\x00\x01\x02\xff\xfe binary",
    "array.json": "[1, 2, 3]",
    "trailing.json": '{"e": [1, 0], "w": [0.5, 0.5]} extra',
    "suite_unknown_key.json": GOOD_SUITE.replace('"alpha"', '"alpah"'),
    "suite_no_groups.json": '{"suite": "tiny", "groups": []}',
    "suite_bad_samples.json": GOOD_SUITE.replace('"samples": [1000]', '"samples": ["abc"]'),
    "suite_nan_angle.json": GOOD_SUITE.replace('"angles": [1.0]', '"angles": [1e999]'),
    "suite_neg_dim.json": GOOD_SUITE.replace('"dims": [2]', '"dims": [-2]'),
    "suite_bad_name.json": GOOD_SUITE.replace('"suite": "tiny"', '"suite": "../../etc"'),
    "suite_bad_backend.json": GOOD_SUITE.replace('"backend": "cpu"', '"backend": "quantum"'),
    "suite_huge_threads.json": GOOD_SUITE.replace('"threads": 1', '"threads": 1e9'),
    "baseline_garbage.json": '{"relumc_baseline": 1, "suite": "tiny", "cases": "many"}',
    "baseline_other.json": '{"relumc_baseline": 99}',
    "plainfile": "not a directory\n",
    "kinkw.json": '{"student": [[0, 0], [1, 0]], "teacher": [[1, 0], [0, 1]]}',
    # 32 students in R^32 (K d = 1024 is allowed) but K(K+1)/2 + K K* = 1552 summary statistics: too many for `ode`.
    "bigode.json": '{"student": [' + ", ".join("[" + ", ".join("1" if c == r else "0" for c in range(32)) + "]"
                                             for r in range(32)) + "]}",
}
DIRS = ["adir", "out_with_journal"]
JOURNALS = {"out_with_journal/journal.jsonl": "this is not a journal\n"}

# (subcommand, arguments, words the message must contain). "{O}" is a fresh output directory in the run's
# directory. Arguments are passed as they are (no shell): "" is an empty argument.
V = ["verify", "-q", "gating", "-d", "2", "--angles", "1", "--norms", "1", "-n", "1e3", "--quiet"]
VO = V + ["-o", "{O}"]
VW = ["verify", "-q", "gating", "-n", "1e3", "--quiet", "-o", "{O}", "--weights"]
P = ["power", "-q", "gating", "-d", "2", "--max-samples", "1e3"]
D = ["dynamics", "--steps", "3", "--runs", "1", "--quiet", "-o", "{O}"]
R = ["regress", "suite.json", "--quiet", "-o", "{O}"]
RS = ["regress", "--quiet", "-o", "{O}"]

ROWS = []
# Messages name a flag by its long name.
LONG = {"-d": "--dims", "-K": "--units", "-n": "--samples", "-q": "--quantity", "-B": "--batch"}
LONG1 = dict(LONG, **{"-d": "--dim"})  # power and dynamics take one dimension


def row(args, *needles):
    ROWS.append((args, needles))


BAD_NUMBERS = ["abc", "nan", "NaN", "inf", "-inf", "1e400", "-1e400", "", " ", "1,,2", ",1"]

# ---- verify: every numeric flag with bad numbers, then ranges, files, outputs, combinations.
for flag in ["--angles", "--norms", "--ratios", "--alpha", "--radius", "--target-rel-error", "--time-budget"]:
    for v in BAD_NUMBERS:
        base = VO if flag not in ("--target-rel-error", "--time-budget") else [a for a in VO if a not in ("-n", "1e3")]
        if flag == "--radius":
            base = base + ["--input", "sphere"]
        row(base + [flag, v], v.strip() if v.strip() else flag)
for flag in ["-d", "-K", "--teacher-units", "--angle-steps", "--random-cases", "--seed", "--threads", "-n",
             "--pilot-samples", "--max-samples", "--devices"]:
    for v in ["abc", "nan", "inf", "1.5", "-1", "", "1e400", "99999999999999999999999"]:
        base = VO
        if flag in ("--pilot-samples", "--max-samples"):
            base = [a for a in VO if a not in ("-n", "1e3")] + ["--target-rel-error", "0.1"]
        if flag == "-n":
            base = [a for a in VO if a not in ("-n", "1e3")]
        if flag == "--devices":
            base = VO + ["--backend", "cpu"]
        row(base + [flag, v], v if v else LONG.get(flag, flag))
for flag, vals in {
    "--angles": ["-0.1", "3.2", "1e+308"],
    "--norms": ["0", "-1", "1e+300", "1e-300"],
    "--ratios": ["0", "-2"],
    "-d": ["0", "16777217"],
    "-K": ["0", "4097"],
    "--angle-steps": ["0", "1000001"],
    "--random-cases": ["1000001"],
    "--threads": ["4097"],
    "-n": ["0", "1", "1e20", "18446744073709551616"],
    "--alpha": ["0", "1", "-0.5", "2"],
    "--target-rel-error": ["0", "1", "-0.1"],
    "--time-budget": ["0", "-5"],
}.items():
    for v in vals:
        base = VO if flag not in ("--target-rel-error", "--time-budget") else [a for a in VO if a not in ("-n", "1e3")]
        row(base + [flag, v], v)
for flag, v in [("-q", "gradient"), ("-q", ""), ("--precision", "half"), ("--contract", "v3"),
                ("--backend", "tpu"), ("--cpu-kernel", "avx9"), ("--formula", "tain"), ("--input", "cauchy")]:
    row(VO + [flag, v], v if v else LONG.get(flag, flag))
row(VO + ["--radius", "2"], "--radius")  # a radius for the Gaussian
row(VO + ["--input", "sphere", "--radius", "0"], "0")
row(VO + ["--contract", "v2", "--precision", "double"], "v2")  # v2 in double
row(VO + ["--contract", "v2", "-n", "2e12", "--precision", "float"], "2e+12")  # past v2's largest N
row(VO + ["--backend", "cuda"], "cuda")  # no device here (skipped below where there is one)
# --weights: files that are not weights.
for name, needle in [("truncated.json", "truncated.json"), ("deep.json", "deep.json"), ("dupkey.json", "e"),
                     ("nan.json", "nan.json"), ("huge.json", "1e400"), ("zero.json", "zero"),
                     ("mismatch.json", "mismatch.json"), ("empty.json", "empty.json"), ("garbage.json", "garbage.json"),
                     ("array.json", "array.json"), ("trailing.json", "trailing.json"), ("string.json", "string.json"),
                     ("nosuch.json", "nosuch.json"), ("adir", "adir"), ("/dev/zero", "/dev/zero"),
                     ("/dev/null", "/dev/null"), ("", "--weights")]:
    row(VW + [name], needle)
row(["verify", "-q", "grad", "-n", "1e3", "--quiet", "-o", "{O}", "--weights", "ragged.json"], "ragged.json")
row(["verify", "-q", "grad", "-n", "1e3", "--quiet", "-o", "{O}", "--weights", "nostudent.json"], "student")
for flag, v in [("-d", "3"), ("--angles", "1"), ("--norms", "2"), ("-K", "2"), ("--random-cases", "1")]:
    row(VW + ["gating.json", flag, v], LONG.get(flag, flag))  # grid flags beside --weights
# Outputs that cannot be directories, and conflicting or unknown flags.
for o in ["plainfile", "", "/dev/null", "/proc/relumc-no/x", "plainfile/sub"]:
    row(V + ["-o", o], o if o else "--out")
row(VO + ["--resume", "--restart"], "--restart")
row(VO + ["--target-rel-error", "0.1"], "--samples")
row([a for a in VO if a not in ("-n", "1e3")] + ["--target-rel-error", "0.1", "--pilot-samples", "1e4",
                                                 "--max-samples", "1e3"], "--max-samples")
row(V + ["-o", "out_with_journal", "--resume"], "journal")
row(V + ["-o", "out_with_journal"], "journal")
row(VO + ["--nosuch-flag"], "--nosuch-flag")
row(VO + ["stray-positional"], "stray-positional")
row(VO + ["--quiet=maybe"], "quiet")
row(VO + ["-q", "gating,,loss"], "gating,,loss")
row(VO + ["-d", "2,"], "2,")

# the per-case test (docs/statistics.md)
for v in ["hotelling", "", "SIDAK"]:
    row(VO + ["--test", v], v if v else "--test")
    row(P + ["--test", v], v if v else "--test")

# ---- power
for flag in ["--angle", "--norm", "--ratio", "--alpha"]:
    for v in BAD_NUMBERS:
        row(P + [flag, v], v.strip() if v.strip() else flag)
P1 = P[:-2]  # without --max-samples
for flag in ["-d", "--seed", "--threads", "--max-samples"]:
    for v in ["abc", "nan", "inf", "-1", "", "1e400", "1.5"]:
        row((P if flag != "--max-samples" else P1) + [flag, v], v if v else LONG1.get(flag, flag))
for flag, v in [("--angle", "-1"), ("--angle", "4"), ("--norm", "0"), ("--norm", "-1"), ("--ratio", "0"),
                ("--alpha", "0"), ("--alpha", "1"), ("-d", "0"), ("-q", "gradient"), ("--contract", "v9"),
                ("--nosuch", "1")]:
    row(P + [flag, v], v if flag != "--nosuch" else "--nosuch")
for flag, v in [("--angle", "4"), ("--norm", "0"), ("--ratio", "-1")]:
    row(P + [flag, v], f"{flag} {v} ")  # the flag power has, not the grid's (--angles)
for v in ["1", "1e20", "0"]:
    row(P1 + ["--max-samples", v], v)

# ---- dynamics
INIT = {"--init-std": "gaussian", "--init-radius": "ball", "--sym-x": "symmetric", "--sym-y": "symmetric",
        "--delta": "symmetric"}
for flag in ["--teacher-norm", "--init-std", "--init-radius", "--sym-x", "--sym-y", "--delta", "--lr",
             "--recover-tol", "--stall-tol"]:
    for v in ["abc", "nan", "inf", "-inf", "1e400", ""]:
        row(D + (["--init", INIT[flag]] if flag in INIT else []) + [flag, v], v if v else flag)
for flag in ["-K", "--teacher-units", "-d", "--steps", "-B", "--runs", "--seed", "--threads", "--record",
             "--record-every"]:
    for v in ["abc", "nan", "-1", "1.5", "", "1e400"]:
        row(D + [flag, v], v if v else LONG1.get(flag, flag))
for flag, v in [("--lr", "0"), ("--lr", "-0.1"), ("--teacher-norm", "0"), ("--teacher-norm", "-1"),
                ("--teacher-norm", "1e+200"), ("--init-std", "-1"), ("--runs", "0"),
                ("--record-every", "0"), ("-K", "0"), ("-d", "0"), ("--steps", "1e13"), ("--init", "uniform"),
                ("--experiment", "nosuch"), ("--formula", "nosuch"), ("--contract", "v0"),
                ("--recover-tol", "-1"), ("--stall-tol", "-1")]:
    row(D + [flag, v], v)
row(D + ["--init", "weights"], "weights")  # weights init without --weights
row(D + ["--init", "ball", "--init-radius", "-1"], "-1")
row(D + ["--init", "ball", "--init-radius", "0"], "0")
for flag, v in [("--init-radius", "-1"), ("--init-std", "0.5"), ("--sym-x", "2"), ("--delta", "0.1")]:
    row(D + ["--init", "gaussian" if flag != "--init-std" else "ball", flag, v], flag)  # a flag of another start
for name, needle in [("truncated.json", "truncated.json"), ("deep.json", "deep.json"), ("nosuch.json", "nosuch.json"),
                     ("adir", "adir"), ("/dev/zero", "/dev/zero"), ("empty.json", "empty.json"),
                     ("ragged.json", "ragged.json"), ("gating.json", "gating.json"), ("", "--weights")]:
    row(D + ["--init", "weights", "--weights", name], needle)
row(D + ["--record", "5"], "5")  # a recorded step past --steps
row(D + ["--batch", "0", "--compare-population"], "--compare-population")
for o in ["plainfile", "", "/dev/null", "plainfile/sub"]:
    row(["dynamics", "--steps", "3", "--runs", "1", "--quiet", "-o", o], o if o else "--out")
row(D + ["--nosuch"], "--nosuch")

# ---- landscape: hessian, critical, census
LH = ["landscape", "hessian", "-o", "{O}", "--weights"]
LC = ["landscape", "critical", "-o", "{O}", "--weights"]
LS = ["landscape", "census", "--runs", "2", "-o", "{O}"]
for base in (LH, LC):
    for name, needle in [("truncated.json", "truncated.json"), ("deep.json", "deep.json"),
                         ("nosuch.json", "nosuch.json"), ("adir", "adir"), ("/dev/zero", "/dev/zero"),
                         ("empty.json", "empty.json"), ("ragged.json", "ragged.json"), ("", "--weights")]:
        row(base + [name], needle)
for flag in ["-k", "-K", "-d", "--runs", "--seed", "--max-steps", "--max-iterations", "--mc-samples", "--threads"]:
    for v in ["abc", "nan", "-1", "1.5", "", "1e400"]:
        row(LS + [flag, v], v if v else {"-k": "--teacher-rows", "-K": "--units", "-d": "--dim"}.get(flag, flag))
for flag in ["--lr", "--switch-tol", "--spurious-loss", "--gradient-tol", "--eigen-tol", "--alpha"]:
    for v in ["abc", "nan", "inf", "-1", ""]:
        row(LS + [flag, v], v if v else flag)
for flag, v in [("-k", "0"), ("-k", "257"), ("-K", "0"), ("--lr", "0"), ("--alpha", "1"), ("--runs", "0")]:
    row(LS + [flag, v], v)
row(LS + ["-k", "4", "-d", "2"], "2")  # d below k
for v in ["he", "Xavier", "gaussian,xavier", " "]:
    row(LS + ["--init", v], v.strip() if v.strip() else "--init")
row(LS + ["--init", ""], "--init")
for flag in ["--max-escapes", "--escape-step"]:
    for v in ["abc", "nan", "-1", ""]:
        row(LS + [flag, v], v if v else flag)
row(LS + ["--resume", "--restart"], "--restart")
row(["landscape", "census", "--runs", "2", "-o", "out_with_journal", "--resume"], "journal")
row(["landscape", "census", "--runs", "2", "-o", "out_with_journal"], "journal")
for o in ["plainfile", "", "/dev/null", "plainfile/sub"]:
    row(["landscape", "census", "--runs", "2", "-o", o], o if o else "--out")
row(LS + ["--nosuch"], "--nosuch")

# ---- landscape tian-l (Tian's L): theta in (0, pi], phi in [0, 2 pi]
LT = ["landscape", "tian-l", "-o", "{O}"]
for flag, v in [("--theta", "abc"), ("--theta", "nan"), ("--theta", "0"), ("--theta", "-1"), ("--theta", "4"),
                ("--theta", ""), ("--phi", "abc"), ("--phi", "-1"), ("--phi", "7"), ("--phi", "inf")]:
    other = ["--phi", "1"] if flag == "--theta" else ["--theta", "1"]
    row(LT + other + [flag, v], v if v else flag)
row(LT + ["--map", "--theta", "1", "--phi", "1"], "--map")
for v in ["1", "5000", "abc"]:
    row(LT + ["--map", "--phi-steps", v], v)

# ---- landscape ode: the weights file of hessian/critical, the integration and fixed-point flags, outputs
LO = ["landscape", "ode", "--no-plot", "-o", "{O}", "--weights"]
for name, needle in [("truncated.json", "truncated.json"), ("deep.json", "deep.json"), ("nosuch.json", "nosuch.json"),
                     ("adir", "adir"), ("/dev/zero", "/dev/zero"), ("empty.json", "empty.json"),
                     ("ragged.json", "ragged.json"), ("", "--weights"), ("kinkw.json", "kinkw.json"),
                     ("bigode.json", "bigode.json")]:
    row(LO + [name], needle)
for flag in ["--t-end", "--dt", "--field-tol", "--eigen-tol"]:
    for v in ["abc", "nan", "inf", "-1", "0", "", "1e400"]:
        row(LO + ["weights.json", flag, v], v if v else flag)
for flag in ["--samples", "--max-iterations"]:
    for v in ["abc", "nan", "-1", "1.5", "", "1e400"]:
        row(LO + ["weights.json", flag, v], v if v else flag)
for flag, v in [("--samples", "1"), ("--samples", "100001"), ("--t-end", "10000000"), ("--field-tol", "1"),
                ("--eigen-tol", "2"), ("--max-iterations", "100001")]:
    row(LO + ["weights.json", flag, v], v)
row(LO + ["weights.json", "--t-end", "1", "--dt", "2"], "2")  # a step longer than the run
row(LO + ["weights.json", "--t-end", "1000", "--dt", "1e-5"], "--dt")  # 1e8 steps
for o in ["plainfile", "", "/dev/null", "plainfile/sub"]:
    row(["landscape", "ode", "--no-plot", "--weights", "weights.json", "-o", o], o if o else "--out")
row(LO + ["weights.json", "--nosuch"], "--nosuch")
row(LO + ["weights.json", "--rtol", "1e-6"], "--rtol")  # not implemented: RK4 at a fixed step only

# ---- regress: suites, baselines, records, outputs.
for name, needle in [("nosuch.json", "nosuch.json"), ("adir", "adir"), ("/dev/zero", "/dev/zero"),
                     ("truncated.json", "truncated.json"), ("deep.json", "deep.json"), ("empty.json", "empty.json"),
                     ("garbage.json", "garbage.json"), ("dupkey.json", "e"), ("array.json", "array.json"),
                     ("suite_unknown_key.json", "alpah"), ("suite_no_groups.json", "groups"),
                     ("suite_bad_samples.json", "abc"), ("suite_nan_angle.json", "1e999"),
                     ("suite_neg_dim.json", "-2"), ("suite_bad_name.json", "../../etc"),
                     ("suite_bad_backend.json", "quantum"), ("suite_huge_threads.json", "threads"),
                     ("", "SUITE")]:
    row(RS + [name], needle)
for name, needle in [("nosuch.json", "nosuch.json"), ("adir", "adir"), ("/dev/zero", "/dev/zero"),
                     ("truncated.json", "truncated.json"), ("baseline_garbage.json", "baseline_garbage.json"),
                     ("baseline_other.json", "baseline_other.json"), ("", "--baseline")]:
    row(R + ["--baseline", name], needle)
for name, needle in [("adir", "adir"), ("/dev/full", "/dev/full"), ("/dev/null", "/dev/null"),
                     ("nosuchdir/base.json", "nosuchdir"), ("", "--record"), ("plainfile/x.json", "plainfile")]:
    row(R + ["--record", name], needle)
for flag, v in [("--throughput-gate", "sometimes"), ("--contract", "v7"), ("--nosuch", "1")]:
    row(R + [flag, v], v if flag != "--nosuch" else "--nosuch")
for o in ["plainfile", "", "/dev/null", "plainfile/sub"]:
    row(["regress", "suite.json", "--quiet", "-o", o], o if o else "--out")
row(["regress", "--quiet", "-o", "{O}"], "SUITE")

# ---- the others: info, help, the top level.
row(["info", "--nosuch"], "--nosuch")
row(["info", "extra"], "extra")
row(["help", "nosuch"], "nosuch")
row(["nosuch"], "nosuch")
row(["--nosuch"], "--nosuch")


def make_fixtures(d):
    for name, text in FIXTURES.items():
        with open(os.path.join(d, name), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
    for name in DIRS:
        os.makedirs(os.path.join(d, name), exist_ok=True)
    for name, text in JOURNALS.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)


def snapshot(d):
    out = {}
    for root, dirs, files in os.walk(d):
        for name in dirs:
            out[os.path.relpath(os.path.join(root, name), d) + "/"] = "dir"
        for name in files:
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = hashlib.sha256(f.read()).hexdigest()
    return out


def main():
    tried = clean = 0
    failures = []
    with tempfile.TemporaryDirectory(prefix="relumc-matrix-") as top:
        for k, (args, needles) in enumerate(ROWS):
            d = os.path.join(top, str(k))
            os.makedirs(d)
            make_fixtures(d)
            argv = [a.replace("{O}", "out") for a in args]
            before = snapshot(d)
            tried += 1
            try:
                r = subprocess.run([RELUMC] + argv, cwd=d, capture_output=True, timeout=20,
                                   env=dict(os.environ, OMP_NUM_THREADS="1"))
                status, err = r.returncode, r.stderr.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                status, err = "timeout", ""
            after = snapshot(d)
            why = []
            if status != 2:
                why.append(f"exit {status}")
            low = err.lower()
            for n in needles:
                if n.lower() not in low:
                    why.append(f"message does not name {n!r}")
            if after != before:
                changed = sorted(set(after.items()) ^ set(before.items()))
                why.append("files changed: " + ", ".join(sorted({c[0] for c in changed})))
            if why:
                failures.append((argv, why, err.strip()))
            else:
                clean += 1
            if VERBOSE:
                print(("ok  " if not why else "BAD ") + " ".join(repr(a) if a == "" or " " in a else a for a in argv))
            import shutil
            shutil.rmtree(d, ignore_errors=True)
    for argv, why, err in failures:
        print("NOT CLEAN: relumc " + " ".join(repr(a) if a == "" or " " in a else a for a in argv))
        print("  " + "; ".join(why))
        print("  stderr: " + (err[:400] if err else "(empty)"))
    print(f"{tried} tried, {clean} refused cleanly")
    return 0 if clean == tried else 1


if __name__ == "__main__":
    sys.exit(main())
