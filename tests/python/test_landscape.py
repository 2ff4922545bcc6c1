# SPDX-License-Identifier: MIT
"""relumc.analyze, critical_point, census: the landscape as result objects (docs/landscape.md), the CLI's
numbers bit for bit; Ctrl-C stopping dynamics and census runs."""
import json
import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import relumc

I3 = np.eye(3)
SYM = [[0.4, 0.4], [0.4, 0.4]]  # two coincident students on the diagonal: Newton lands on the symmetric saddle


def test_analyze_at_the_global_minimum_has_the_derived_spectrum():
    r = relumc.analyze(I3, I3)
    assert r.kind == "minimum" and r.index == 0 and r.nullity == 0 and r.kink is None and r.k1 == 0
    assert r.loss == 0.0 and r.gradient.shape == (3, 3) and r.gradient_norm < 1e-15
    assert r.hessian.shape == (9, 9) and r.eigenvectors.shape == (9, 9)
    np.testing.assert_allclose(r.hessian, r.hessian.T, atol=0)
    np.testing.assert_array_equal(r.hessian, relumc.hessian(I3, I3))  # the same closed form
    ev = r.eigenvalues
    assert ev.shape == (9,) and np.all(np.diff(ev) >= 0)
    np.testing.assert_allclose(ev, np.linalg.eigvalsh(r.hessian), atol=1e-13)
    assert ev[0] == pytest.approx(0.25 - 1 / (2 * np.pi), abs=1e-13) and r.lambda_min == ev[0]
    for n in (3, 4, 5):
        np.testing.assert_allclose(relumc.analyze(np.eye(n), np.eye(n)).eigenvalues, derived_spectrum(n), atol=1e-12)


def derived_spectrum(n):
    """docs/landscape.md: the Hessian's spectrum at W = W* = I_n (as tests/unit/test_landscape.cpp writes it)."""
    q = 1 / (2 * np.pi)
    T = [[0.5 + (n - 1) * q, (n - 1) / 4], [0.25, n / 4 + q]]
    S = [[0.5 - q, -0.25, (n - 1) / 4], [0, 0.25, q], [0.25, -0.25 + q, n / 4]]
    ev = [0.25 + q] * (n * (n - 3) // 2) + [0.25 - q] * ((n - 1) * (n - 2) // 2)
    ev += list(np.linalg.eigvals(T).real) + list(np.repeat(np.linalg.eigvals(S).real, n - 1))
    assert len(ev) == n * n
    return np.sort(ev)


def test_the_symmetric_saddle():
    c = relumc.critical_point(SYM, np.eye(2))
    assert c.kind == "saddle" and c.index == 1 and c.nullity == 1 and c.k1 == 0
    assert c.loss == pytest.approx(0.0885119, abs=1e-7) and c.gradient_norm < 1e-14
    np.testing.assert_allclose(c.student[0], c.student[1], atol=1e-14)  # still coincident
    np.testing.assert_array_equal(c.start, SYM)
    a = relumc.analyze(c.student, np.eye(2))
    assert a.kind == "saddle" and a.index == 1 and a.eigenvalues[0] < 0
    assert a.loss == c.loss
    np.testing.assert_array_equal(a.eigenvalues, c.eigenvalues)


def test_a_point_that_is_not_critical():
    r = relumc.analyze(SYM, np.eye(2))
    assert r.kind == "not-critical" and r.gradient_norm > 1e-3 and r.index is not None


def test_critical_point_from_a_perturbed_start_reaches_the_teacher(rng):
    W0 = I3 + 0.05 * rng.standard_normal((3, 3))
    c = relumc.critical_point(W0, I3)
    assert c.kind == "minimum" and c.index == 0 and c.nullity == 0 and c.k1 == 0
    assert c.gradient_norm <= c.gradient_tol_abs == pytest.approx(1e-12 * np.sqrt(3))
    np.testing.assert_allclose(c.student, I3, atol=1e-10)
    assert c.loss < 1e-14 and 1 <= c.iterations <= 20  # J at W* to rounding
    assert c.gradient_norms[0] > 1e-3 and c.gradient_norms[-1] == c.gradient_norm
    assert repr(c).startswith("CriticalResult(kind='minimum'")


def test_critical_point_matches_the_cli(cli, tmp_path):
    (tmp_path / "sym.json").write_text(json.dumps({"student": SYM, "teacher": [[1, 0], [0, 1]]}))
    subprocess.run([cli, "landscape", "critical", "--weights", str(tmp_path / "sym.json"), "-o", str(tmp_path / "o"),
                    "--quiet"], check=True)
    j = json.loads((tmp_path / "o" / "critical.json").read_text())
    c = relumc.critical_point(SYM, np.eye(2))
    assert (c.kind, c.k1, c.iterations, c.index, c.nullity) == (j["kind"], j["k1"], j["iterations"], j["index"],
                                                                j["nullity"])
    assert c.loss == j["loss"] and c.gradient_norm == j["gradient_norm"]
    assert c.student.tolist() == j["student"] and c.eigenvalues.tolist() == j["eigenvalues"]


def test_a_zero_row_is_a_kink_without_nan():
    W = [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    for r in (relumc.analyze(W, I3), relumc.critical_point(W, I3)):
        assert r.kind == "kink" and r.kink == 1
        assert r.gradient_norm is None and r.index is None and r.nullity is None and r.hessian is None
        assert r.eigenvalues.size == 0 and r.lambda_min is None
        assert np.all(np.isfinite(r.gradient)) and np.all(r.gradient[1] == 0) and np.isfinite(r.loss)
        assert "undefined" in repr(r)


def test_mc_check_confirms_the_saddle():
    c = relumc.critical_point(SYM, np.eye(2), mc_samples=200_000, seed=1)
    m = c.mc_check
    assert m.passed and m.alpha == 0.01
    assert m.verdicts == {"gradient_zero": "pass", "loss": "pass", "hessian_offdiagonal": "pass",
                          "hessian_diagonal": "pass", "negative_curvature": "pass"}
    curv = [t for t in m.tests if t["name"] == "negative_curvature"][0]
    assert curv["mc_second_difference"] < 0 and curv["closed_form_second_difference"] < 0
    # away from a critical point (analyze): the MC gradient is held to the closed form, not to zero
    a = relumc.analyze(SYM, np.eye(2), mc_samples=200_000)
    assert "gradient" in a.mc_check.verdicts and a.mc_check.passed
    assert relumc.analyze(SYM, np.eye(2)).mc_check is None


def _census_kwargs():
    return dict(runs=6, seed=3, threads=2)


def test_census_matches_the_cli_bit_for_bit(cli, tmp_path):
    c = relumc.census(3, 3, **_census_kwargs())
    subprocess.run([cli, "landscape", "census", "-k", "3", "-K", "3", "--runs", "6", "--seed", "3", "--threads", "1",
                    "-o", str(tmp_path), "--quiet"], check=True)
    j = json.loads((tmp_path / "census.json").read_text())
    assert (c.runs, c.k, c.K, c.d) == (6, 3, 3, 3)
    for key in ("global", "spurious", "saddles", "kinks", "not_critical"):
        assert c.counts[key] == j[key], key
    assert c.global_ == j["global"] and c.spurious == j["spurious"]
    assert c.share_global == j["share_global"] and c.share_spurious == j["share_spurious"]
    assert list(c.share_global_ci) == j["share_global_ci95_wilson"]
    assert list(c.share_spurious_ci) == j["share_spurious_ci95_wilson"]
    assert len(c.families) == len(j["families"]) >= 1
    for f, g in zip(c.families, j["families"]):
        for key in ("k1", "runs", "loss", "lambda_min", "kind", "index", "nullity", "first_run"):
            assert f[key] == g[key], key
    lines = (tmp_path / "census_runs.csv").read_text().splitlines()[1:]
    assert len(lines) == 6
    for r, line in enumerate(lines):
        run, kind, k1, loss, lam = line.split(",")[:5]
        assert (c.run_kind[r], c.run_k1[r], c.run_loss[r], c.run_lambda_min[r]) == (kind, int(k1), float(loss),
                                                                                    float(lam))
    assert c.run_student.shape == (6, 3, 3)
    assert c.global_ == int(np.sum(c.run_global))


def test_census_xavier_matches_the_cli_and_a_bad_init_is_named(cli, tmp_path):
    c = relumc.census(3, 3, init="xavier", **_census_kwargs())
    subprocess.run([cli, "landscape", "census", "-k", "3", "-K", "3", "--runs", "6", "--seed", "3", "--init", "xavier",
                    "--threads", "1", "-o", str(tmp_path), "--quiet"], check=True)
    j = json.loads((tmp_path / "census.json").read_text())
    assert c.share_global == j["share_global"]
    lines = (tmp_path / "census_runs.csv").read_text().splitlines()[1:]
    assert [float(line.split(",")[3]) for line in lines] == list(c.run_loss)
    g = relumc.census(3, 3, **_census_kwargs())
    assert list(g.run_loss) != list(c.run_loss)  # the init changes the starts
    with pytest.raises(relumc.InputError, match="init"):
        relumc.census(3, 3, init="glorot", runs=2)


def test_census_per_run_arrays_agree_with_the_families():
    c = relumc.census(3, 3, **_census_kwargs())
    assert sum(f["runs"] for f in c.families) == int(np.sum(c.run_family >= 0))
    for r in range(c.runs):
        if c.run_family[r] >= 0:
            f = c.families[c.run_family[r]]
            assert f["kind"] == c.run_kind[r] and f["k1"] == c.run_k1[r]
        a = relumc.analyze(c.run_student[r], I3)  # the end point, re-analysed
        assert a.loss == c.run_loss[r] and a.kind == c.run_kind[r]
    assert c.share_global == pytest.approx(np.mean(c.run_global))
    ticks = []
    c2 = relumc.census(3, 3, progress=lambda done, total: ticks.append((done, total)), **_census_kwargs())
    np.testing.assert_array_equal(c2.run_loss, c.run_loss)
    assert ticks and ticks[-1] == (6, 6)


@pytest.mark.parametrize("call, name", [
    (lambda: relumc.analyze([[1.0, 0.0]], [[1.0, 0.0, 0.0]]), "W_star"),
    (lambda: relumc.analyze([[1.0, 0.0]], [[0.0, 0.0]]), "W_star"),
    (lambda: relumc.analyze([[1.0, np.nan]], [[1.0, 0.0]]), "W"),
    (lambda: relumc.analyze([[1.0, 0.0]], [[1.0, 0.0]], eigen_tol=0.0), "eigen_tol"),
    (lambda: relumc.analyze([[1.0, 0.0]], [[1.0, 0.0]], mc_samples=1), "mc_samples"),
    (lambda: relumc.analyze([[1.0, 0.0]], [[1.0, 0.0]], mc_samples=100, alpha=2.0), "alpha"),
    (lambda: relumc.analyze(np.ones((33, 32)), np.eye(32)), "W"),
    (lambda: relumc.critical_point([], [[1.0, 0.0]]), "W0"),
    (lambda: relumc.critical_point([[1.0, 0.0]], [[1.0, 0.0]], gradient_tol=-1.0), "gradient_tol"),
    (lambda: relumc.critical_point([[1.0, 0.0]], [[1.0, 0.0]], kink_tol=1.0), "kink_tol"),
    (lambda: relumc.census(3, 3, 2), "d"),
    (lambda: relumc.census(0), "k"),
    (lambda: relumc.census(3, runs=0), "runs"),
    (lambda: relumc.census(3, lr=0.0), "lr"),
    (lambda: relumc.census(3, switch_tol=-1.0), "switch_tol"),
    (lambda: relumc.census(40, 40), "K"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError) as info:
        call()
    assert f"`{name}`" in str(info.value) and info.value.field == name


def _interrupt_after(seconds):
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_dynamics():
    T = relumc.orthonormal_teacher(4, 20)
    t0 = time.monotonic()
    timer = _interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt):  # SGD with large batches: minutes if it ran to the end
        relumc.dynamics(T, K=4, init_std=0.3, steps=10_000_000, batch=256, runs=4, record_every=1_000_000)
    assert time.monotonic() - t0 < 10
    timer.cancel()
    # the next call runs normally
    assert len(relumc.dynamics(T, K=4, init_std=0.3, steps=10, runs=1)) == 1


def test_ctrl_c_stops_a_census():
    t0 = time.monotonic()
    timer = _interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt):  # hours if it ran to the end
        relumc.census(8, 8, runs=100_000, threads=2)
    assert time.monotonic() - t0 < 10
    timer.cancel()
