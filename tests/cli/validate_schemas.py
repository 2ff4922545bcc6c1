#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The JSON Schemas in docs/schema/ against real outputs: runs relumc (verify with gating, grad and loss
# at small N, a sphere input, a cube input (measured cases), a --target-rel-error run, a --contract v2 run; a plain dynamics
# run with and without a batch; the three experiments; regress of the smoke suite with --record, and
# again against that baseline, under v1 and --contract v2), validates every JSON file it wrote against its schema, checks that
# "schema_version": 1 is each file's first key and that arrays have the case's shape, and shows that
# each schema says no: a document with a required key removed, one with a wrong type and one with
# schema_version 2 must each raise ValidationError.
#
#   validate_schemas.py RELUMC SCHEMA_DIR SUITE
# Exit 0: all good; 1: a failure (listed); 77: the jsonschema package is missing (CTest: skipped).
import copy
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("skipped: the Python package jsonschema is not importable (Debian: python3-jsonschema)")
    sys.exit(77)

if len(sys.argv) != 4:
    print("usage: validate_schemas.py RELUMC SCHEMA_DIR SUITE", file=sys.stderr)
    sys.exit(2)
RELUMC, SCHEMA_DIR, SUITE = sys.argv[1:4]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(args, ok=(0,)):
    """Runs relumc; a status outside `ok` is a failure (the outputs are still checked if written)."""
    p = subprocess.run([RELUMC] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    if p.returncode not in ok:
        fail("relumc {} exited {} (expected {}):\n{}".format(" ".join(args), p.returncode, ok, p.stdout[-3000:]))
    return p.returncode


def load_schema(name):
    with open(os.path.join(SCHEMA_DIR, name)) as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def load(path):
    # object_pairs_hook keeps the key order, to check that schema_version comes first.
    with open(path) as f:
        return json.load(f, object_pairs_hook=dict)


def first_key_is_version(path, doc):
    if not isinstance(doc, dict) or not doc or next(iter(doc)) != "schema_version" or doc["schema_version"] != 1:
        fail("{}: the first key is not \"schema_version\": 1 (keys: {})".format(path, list(doc)[:3]))


def validate(validator, path, name):
    if not os.path.exists(path):
        fail("{} was not written".format(path))
        return None
    doc = load(path)
    first_key_is_version(path, doc)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        fail("{} against {}: at {}: {}".format(path, name, "/".join(map(str, e.absolute_path)) or "(top)", e.message[:300]))
    if not errors:
        print("valid: {} ({})".format(path, name))
    return doc


def shape_of(v):
    if isinstance(v, list):
        return [len(v)] + (shape_of(v[0]) if v and isinstance(v[0], list) else [])
    return []


def check_verify_shapes(path, doc):
    for c in doc["cases"]:
        q, d, K, Ks = c["quantity"], c["d"], c["K"], c["K_star"]
        want = {"gating": [d], "grad": [K, d], "loss": []}[q]
        for key in ("closed_form", "estimate", "stderr"):
            if shape_of(c[key]) != want:
                fail("{}: case {} ({}): {} has shape {}, expected {}".format(path, c["index"], q, key, shape_of(c[key]), want))
        pairs = [("e", [d]), ("w", [d])] if q == "gating" else [("student", [K, d]), ("teacher", [Ks, d])]
        for key, shape in pairs:
            if shape_of(c[key]) != shape:
                fail("{}: case {}: {} has shape {}, expected {}".format(path, c["index"], key, shape_of(c[key]), shape))
    if doc["cases_total"] != len(doc["cases"]):
        fail("{}: cases_total {} != {} cases".format(path, doc["cases_total"], len(doc["cases"])))


def check_regress_shapes(path, doc):
    for c in doc["cases"]:
        n = {"gating": c["d"], "grad": c["K"] * c["d"], "loss": 1}[c["quantity"]]
        for key in ("closed_form", "estimate", "stderr"):
            if len(c[key]) != n:
                fail("{}: case {}: {} has {} numbers, expected {}".format(path, c["id"], key, len(c[key]), n))


def check_summary_shapes(path, doc):
    s = doc["spec"]
    if shape_of(s["teacher"]) != [s["K_star"], s["d"]]:
        fail("{}: spec.teacher has shape {}".format(path, shape_of(s["teacher"])))
    if len(doc["runs"]) != s["runs"] or sum(doc["outcomes"].values()) != s["runs"]:
        fail("{}: {} runs listed, outcomes sum to {}, spec.runs {}".format(path, len(doc["runs"]),
                                                                        sum(doc["outcomes"].values()), s["runs"]))
    for r in doc["runs"]:
        for key in ("start", "final"):
            if key in r and shape_of(r[key]) != [s["K"], s["d"]]:
                fail("{}: run {}: {} has shape {}".format(path, r["run"], key, shape_of(r[key])))
        if len(r["perm"]) != s["K"]:
            fail("{}: run {}: perm has {} entries, K = {}".format(path, r["run"], len(r["perm"]), s["K"]))


def must_refuse(validator, name, doc, what):
    try:
        validator.validate(doc)
    except jsonschema.ValidationError as e:
        print("refused as expected: {} with {} ({})".format(name, what, e.message[:120]))
        return
    fail("{} accepted a document with {}".format(name, what))


def main():
    schemas = {n: load_schema(n + ".schema.json") for n in ("results", "summary", "baseline", "regress-results")}
    with tempfile.TemporaryDirectory(prefix="relumc-schema-") as tmp:
        out = lambda name: os.path.join(tmp, name)
        # verify: exit 1 (a rejected case) still writes the files and is a legitimate outcome of a test.
        verdict = (0, 1)
        run(["verify", "--quiet", "-o", out("verify"), "-q", "gating,grad,loss", "-d", "3", "-K", "1,2",
             "--angles", "0,1.5,2.5", "-n", "2e3,8e3", "--random-cases", "2"], verdict)
        run(["verify", "--quiet", "-o", out("sphere"), "-q", "grad,loss", "-d", "3", "-n", "4e3", "--input", "sphere",
             "--radius", "1.5"], verdict)
        run(["verify", "--quiet", "-o", out("cube"), "-q", "gating,loss", "-d", "3", "-n", "4e3", "--input", "cube"], verdict)
        run(["verify", "--quiet", "-o", out("planned"), "-q", "grad,loss", "-d", "3", "--target-rel-error", "0.1",
             "--pilot-samples", "2e3"], verdict)
        run(["verify", "--quiet", "-o", out("v2"), "-q", "gating,grad,loss", "-d", "3", "-n", "4e3", "--contract", "v2"],
            verdict)
        run(["dynamics", "--quiet", "-o", out("dyn"), "--steps", "200", "--runs", "4", "-K", "2", "-d", "4"])
        run(["dynamics", "--quiet", "-o", out("dynb"), "--steps", "100", "--runs", "3", "-K", "3", "--teacher-units", "2",
             "-d", "3", "--batch", "8", "--compare-population"])
        for e in ("one-relu-radius", "symmetry-breaking", "batch-gap"):
            run(["dynamics", "--quiet", "--experiment", e, "--runs", "2", "-o", out("exp")], verdict)
        run(["regress", SUITE, "--quiet", "-o", out("regress"), "--record", out("base.json")], verdict)
        run(["regress", SUITE, "--quiet", "-o", out("regress2"), "--baseline", out("base.json"), "--throughput-gate", "never"],
            verdict)
        run(["regress", SUITE, "--quiet", "-o", out("regress3"), "--contract", "v2", "--baseline", out("base.json"),
             "--throughput-gate", "never"], verdict)

        docs = {}
        for d in ("verify", "sphere", "cube", "planned", "v2"):
            p = out(d + "/results.json")
            docs[d] = validate(schemas["results"], p, "results.schema.json")
            if docs[d]:
                check_verify_shapes(p, docs[d])
        for d in ("dyn", "dynb"):
            p = out(d + "/summary.json")
            docs[d] = validate(schemas["summary"], p, "summary.schema.json")
            if docs[d]:
                check_summary_shapes(p, docs[d])
        docs["base"] = validate(schemas["baseline"], out("base.json"), "baseline.schema.json")
        for d in ("regress", "regress2", "regress3"):
            p = out(d + "/results.json")
            docs[d] = validate(schemas["regress-results"], p, "regress-results.schema.json")
            if docs[d]:
                check_regress_shapes(p, docs[d])
        # The experiments' JSON files have no schema of their own: only the version.
        for f in ("radius.json", "symmetry.json", "batch_gap.json"):
            p = out("exp/" + f)
            if os.path.exists(p):
                first_key_is_version(p, load(p))
            else:
                fail("{} was not written".format(p))

        # The runs above must reach the branches the schemas describe.
        if docs.get("verify") and set(docs["verify"]["error_slope_vs_samples"]) != {"gating", "grad", "loss"}:
            fail("the verify run has error slopes for {}".format(list(docs["verify"]["error_slope_vs_samples"])))
        if docs.get("cube") and not any(c.get("measured") for c in docs["cube"]["cases"]):
            fail("the cube run has no measured case")
        if docs.get("planned") and "sample_plan" not in docs["planned"]:
            fail("the --target-rel-error run has no sample_plan")
        if docs.get("regress2") and docs["regress2"]["comparison"] is None:
            fail("the regress run against a baseline has no comparison")
        # The contract is recorded (docs/sample-contract.md): v1 by default, v2 with float when asked for.
        for d, want in (("verify", "v1"), ("v2", "v2"), ("regress", "v1"), ("regress3", "v2")):
            if docs.get(d) and docs[d].get("contract") != want:
                fail("{}: contract {!r}, expected {!r}".format(d, docs[d].get("contract"), want))
        if docs.get("v2") and docs["v2"].get("precision") != "float":
            fail("the v2 run's precision is {!r}, not float".format(docs["v2"].get("precision")))

        # Each schema says no.
        broken = [
            ("results", "verify", lambda j: j.pop("cases"), "\"cases\" removed"),
            ("results", "verify", lambda j: j["cases"][0].update(p_value="0.5"), "cases[0].p_value a string"),
            ("results", "sphere", lambda j: j["cases"][0].pop("measured"), "a non-Gaussian case without \"measured\""),
            ("results", "verify", lambda j: j["cases"][0].update(closed_form=1.0), "a gating closed_form that is a scalar"),
            ("summary", "dyn", lambda j: j.pop("outcomes"), "\"outcomes\" removed"),
            ("summary", "dyn", lambda j: j["runs"][0].update(steps_run=1.5), "runs[0].steps_run not an integer"),
            ("baseline", "base", lambda j: j.pop("suite_digest"), "\"suite_digest\" removed"),
            ("baseline", "base", lambda j: j.update(threads="2"), "threads a string"),
            ("regress-results", "regress2", lambda j: j["comparison"].pop("changes"), "comparison.changes removed"),
            ("regress-results", "regress", lambda j: j.update(passed="yes"), "passed a string"),
            ("results", "v2", lambda j: j.update(contract="v3"), "contract v3"),
            ("baseline", "base", lambda j: j.update(contract=2), "contract a number"),
        ] + [(s, d, lambda j: j.update(schema_version=2), "schema_version 2")
             for s, d in (("results", "verify"), ("summary", "dyn"), ("baseline", "base"), ("regress-results", "regress"))]
        for schema, d, spoil, what in broken:
            if docs.get(d) is None:
                fail("no {} document to spoil ({})".format(d, what))
                continue
            j = copy.deepcopy(docs[d])
            spoil(j)
            must_refuse(schemas[schema], schema + ".schema.json", j, what)

    if failures:
        print("{} failure(s)".format(len(failures)))
        return 1
    print("all outputs valid; every schema refuses the broken documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
