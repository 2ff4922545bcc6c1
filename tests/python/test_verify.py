# SPDX-License-Identifier: MIT
"""relumc.verify / verify_iter / verify_grid: the CLI's numbers bit for bit, result objects, errors, the GIL,
Ctrl-C and progress."""
import json
import math
import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import relumc

W2 = np.array([[0.9, -0.3, 0.4, 0.1, 0.2], [-0.2, 0.8, 0.1, -0.5, 0.3]])
S3 = np.array([[0.5, 0.5, -0.4, 0.3, 0.0], [0.1, -0.7, 0.2, 0.6, -0.3], [0.3, 0.2, 0.9, -0.1, 0.4]])


def run_cli(cli, tmp_path, *args):
    out = tmp_path / "out"
    proc = subprocess.run([cli, "verify", *args, "-o", str(out), "--quiet"], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads((out / "results.json").read_text())


@pytest.mark.parametrize("quantity, contract", [("grad", "v1"), ("loss", "v1"), ("gating", "v1"), ("grad", "v2")])
def test_verify_is_the_cli_bit_for_bit(cli, tmp_path, quantity, contract):
    if quantity == "gating":
        weights, W, S = {"w": W2[0].tolist(), "e": S3[0].tolist()}, W2[0], S3[0]
    else:
        weights, W, S = {"student": W2.tolist(), "teacher": S3.tolist()}, W2, S3
    (tmp_path / "w.json").write_text(json.dumps(weights))
    j = run_cli(cli, tmp_path, "--weights", str(tmp_path / "w.json"), "-q", quantity, "-n", "200000", "--seed", "11",
                "--contract", contract, "--backend", "cpu")
    r = relumc.verify(W, S, quantity, samples=2e5, seed=11, contract=contract, backend="cpu")
    c = j["cases"][0]
    assert r.estimate.tolist() == c["estimate"] and r.stderr.tolist() == c["stderr"]
    assert r.closed_form.tolist() == c["closed_form"]
    assert (r.z, r.p_value, r.rel_error, r.passed) == (c["max_abs_z"], c["p_value"], c["rel_error"], c["passed"])
    assert r.estimate.shape == {"gating": (5,), "grad": (2, 5), "loss": ()}[quantity]


def test_verify_grid_json_is_the_cli(cli, tmp_path):
    j = run_cli(cli, tmp_path, "-q", "gating,grad,loss", "-d", "2,7", "--angle-steps", "3", "--norms", "1", "-K", "1,2",
                "-n", "3000,9000", "--seed", "7", "--backend", "cpu")
    rs = relumc.verify_grid(["gating", "grad", "loss"], dims=(2, 7), angle_steps=3, norms=(1,), units=(1, 2),
                            samples=(3000, 9000), seed=7, backend="cpu")
    mine = json.loads(rs.to_json())
    assert len(rs) == j["cases_total"] == len(mine["cases"]) > 30
    del mine["run"], j["run"]  # threads, seconds: facts that differ between identical computations
    assert mine == j
    assert rs.passed == j["passed"]


def test_result_object():
    r = relumc.verify(W2, S3, "grad", samples=4e5, seed=3)
    assert r.samples == 400000 and r.seed == 3 and r.stream == 0 and r.contract == "v1" and r.precision == "double"
    assert r.backend in ("cpu", "cuda")
    assert r.estimate.shape == r.stderr.shape == r.closed_form.shape == (2, 5)
    np.testing.assert_array_equal(r.closed_form, relumc.population_gradient(W2, S3))
    assert np.all(r.stderr > 0) and np.all(r.stderr < 0.01)
    lo, hi = r.confidence_interval(0.99)
    np.testing.assert_allclose(hi - r.estimate, 2.5758293035489 * r.stderr, rtol=1e-12)
    np.testing.assert_allclose(r.estimate - lo, hi - r.estimate, rtol=1e-12)
    assert 0 < r.p_value <= 1 and r.z == r.statistic >= 0
    assert r.rel_error == pytest.approx(np.linalg.norm(r.estimate - r.closed_form) / np.linalg.norm(r.closed_form))
    # z with the sample's standard error: a p-value of at least 2(1 - Phi(z))
    assert r.p_value >= math.erfc(r.z / math.sqrt(2)) - 1e-15
    with pytest.raises(ValueError, match="`level`"):
        r.confidence_interval(1.0)
    assert "passed" in repr(r)
    # the same seed gives the same bits; another stream, other samples
    assert relumc.verify(W2, S3, "grad", samples=4e5, seed=3).estimate.tolist() == r.estimate.tolist()
    assert relumc.verify(W2, S3, "grad", samples=4e5, seed=3, stream=1).estimate.tolist() != r.estimate.tolist()


def test_wrong_formula_rejected_correct_not():
    assert relumc.verify(W2, S3, "grad", samples=1e5, seed=5).passed
    wrong = relumc.verify(W2, S3, "grad", samples=1e5, seed=5, formula="sin-sign")
    assert not wrong.passed and wrong.p_value < 1e-6


def test_verify_iter_streams_and_convergence():
    ns = [1000, 10000, 100000]
    results = list(relumc.verify_iter(W2, S3, "loss", samples=ns, seed=2))
    assert [r.samples for r in results] == ns and [r.stream for r in results] == [0, 1, 2]
    for r in results:
        assert r.estimate.tolist() == relumc.verify(W2, S3, "loss", samples=r.samples, seed=2,
                                                    stream=r.stream).estimate.tolist()
    se = [float(r.stderr) for r in results]
    # the standard error falls as N^-1/2 (ratio sqrt(10) per step, within the noise of the variance estimate)
    for a, b in zip(se, se[1:]):
        assert 2.5 < a / b < 4.0
    gen = relumc.verify_iter(W2, S3, "grad", samples=[1000])
    assert iter(gen) is gen
    # verify with a list of N is the same generator (neural-tangents' convention)
    same = list(relumc.verify(W2, S3, "loss", samples=ns, seed=2))
    assert [r.estimate.tolist() for r in same] == [r.estimate.tolist() for r in results]


def test_to_pandas_and_csv():
    rs = relumc.verify_grid("grad", dims=(3,), angle_steps=2, norms=(1,), samples=(2000,), seed=1)
    assert len(rs) == 2 and rs.passed and not rs.rejected
    csv = rs.to_csv().splitlines()
    assert csv[0].startswith("index,quantity") and len(csv) == 3
    pd = pytest.importorskip("pandas")
    df = rs.to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 2 and list(df["samples"]) == [2000, 2000]


def test_to_json_matches_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from conftest import ROOT
    schema = json.loads((ROOT / "docs/schema/results.schema.json").read_text())
    rs = relumc.verify_grid(["gating", "loss"], dims=(2,), angle_steps=2, norms=(1,), samples=(2000,))
    jsonschema.validate(json.loads(rs.to_json()), schema)


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(samples=1), ValueError, "samples"),
    (dict(samples=1e5 + 0.5), ValueError, "samples"),
    (dict(samples="1e5"), TypeError, "samples"),
    (dict(samples=-5), ValueError, "samples"),
    (dict(quantity="hessian"), ValueError, "quantity"),
    (dict(contract="v3"), ValueError, "contract"),
    (dict(contract="v2", precision="double"), ValueError, "precision"),
    (dict(backend="tpu"), ValueError, "backend"),
    (dict(alpha=1.5), ValueError, "alpha"),
    (dict(alpha=float("nan")), ValueError, "alpha"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=1.5), TypeError, "seed"),
    (dict(threads=-2), ValueError, "threads"),
    (dict(input="cube", radius=2.0), ValueError, "radius"),
    (dict(W=[[0.0] * 5]), ValueError, "W"),
    (dict(W_star=[[1.0, np.nan, 0, 0, 0]]), ValueError, "W_star"),
    (dict(W_star=[[1.0, 2.0]]), ValueError, "W_star"),
    (dict(W=np.ones((2, 2, 5))), ValueError, "W"),
    (dict(progress=3), TypeError, "progress"),
])
def test_bad_input_names_the_argument(kwargs, exc, name):
    args = dict(W=W2, W_star=S3, quantity="grad", samples=1000)
    args.update(kwargs)
    with pytest.raises(exc) as info:
        relumc.verify(args.pop("W"), args.pop("W_star"), **args)
    assert f"`{name}`" in str(info.value)
    if isinstance(info.value, relumc.InputError):
        assert info.value.field == name


def test_cuda_backend_refused_without_a_device():
    if relumc.HAVE_CUDA:
        try:
            relumc.verify(W2, S3, samples=1000, backend="cuda")
            pytest.skip("a usable CUDA device is present")
        except ValueError as e:
            assert "`backend`" in str(e)
    else:
        with pytest.raises(ValueError, match="`backend`"):
            relumc.verify(W2, S3, samples=1000, backend="cuda")


def test_gil_released_and_progress():
    ticks, stop = [0], threading.Event()

    def spin():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    calls = []
    t.start()
    try:
        r = relumc.verify(W2, S3, "grad", samples=3e7, seed=1, threads=1,
                          progress=lambda done, total: calls.append((done, total)))
    finally:
        stop.set()
        t.join()
    assert r.seconds > 0.3, "the run is too short to show anything"
    assert ticks[0] > 50 * r.seconds, "a Python thread barely ran while the engine did: the GIL was held"
    assert calls and calls[-1] == (30_000_000, 30_000_000)
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))


def test_ctrl_c_raises_keyboard_interrupt():
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    t0 = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        relumc.verify(W2, S3, "grad", samples=5e9, seed=1)  # minutes if it ran to the end
    assert time.monotonic() - t0 < 20
    timer.cancel()


def test_progress_callback_exception_stops_the_run():
    def boom(done, total):
        raise RuntimeError("stop here")

    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="stop here"):
        relumc.verify(W2, S3, "grad", samples=5e9, seed=1, progress=boom)
    assert time.monotonic() - t0 < 20


@pytest.mark.parametrize("kwargs, name", [
    (dict(norms=[-1]), "norms"), (dict(ratios=[0]), "ratios"), (dict(dims=[0]), "dims"),
    (dict(angles=[4.0]), "angles"), (dict(angles=[1.0], dims=[1]), "angles"), (dict(units=[0]), "units"),
    (dict(samples=[1]), "samples"), (dict(quantities="x"), "quantities"), (dict(random_cases=-1), "random_cases"),
    (dict(angle_steps=0), "angle_steps"), (dict(teacher_units=[0]), "teacher_units"),
])
def test_bad_grid_names_the_argument(kwargs, name):
    with pytest.raises(ValueError) as info:
        relumc.verify_grid(**kwargs)
    assert f"`{name}`" in str(info.value) and info.value.field == name


def test_inconclusive_is_neither_pass_nor_reject():
    # Gating near theta = pi at N = 1e3: both gates open for 2% of the samples, too few for the normal
    # approximation (docs/statistics.md): the engine says so instead of guessing.
    e = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
    w = 2 * np.array([math.cos(3.0), math.sin(3.0), 0.0, 0.0, 0.0])
    r = relumc.verify(w, e, "gating", samples=1e3, seed=1, backend="cpu")
    assert r.verdict == "inconclusive" and r.inconclusive and r.passed is None and r.tail_error > 0.25
    big = relumc.verify(w, e, "gating", samples=1e6, seed=1, backend="cpu")
    assert big.verdict == "pass" and big.passed is True
    rs = relumc.verify_grid("gating", angles=[3.0], norms=[2.0], dims=[5], samples=[1e3], backend="cpu")
    assert rs.inconclusive and not rs.rejected and rs.passed


def test_span_test_is_selectable_and_recorded():
    r = relumc.verify(W2, S3, "grad", samples=1e5, seed=5, backend="cpu", test="span")
    assert r.test == "span" and r.verdict == "pass"
    wrong = relumc.verify(W2, S3, "grad", samples=1e5, seed=5, backend="cpu", test="span", formula="sin-sign")
    assert wrong.verdict == "reject" and wrong.p_value < 1e-6
    with pytest.raises(ValueError, match="test"):
        relumc.verify(W2, S3, "grad", samples=1e4, test="hotelling")
