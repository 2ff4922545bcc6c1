# SPDX-License-Identifier: MIT
"""relumc.gating / population_gradient / population_loss: against an independent NumPy transcription of
Tian's formulas, batched, and with every kind of input the API accepts or refuses."""
import numpy as np
import pytest

import relumc
from conftest import tian_gating, tian_gradient, tian_loss

TOL = dict(rtol=1e-12, atol=1e-13)  # two transcriptions of one formula: acos vs atan2 angles, rounding only


def test_gating_matches_transcription(rng):
    for d in (1, 2, 7):
        e, w = rng.normal(size=d), rng.normal(size=d)
        if d == 1:
            e, w = np.array([1.0]), np.array([-0.5])
        np.testing.assert_allclose(relumc.gating(e, w), tian_gating(e, w), **TOL)


def test_gradient_and_loss_match_transcription(rng):
    for K, Ks, d in ((1, 1, 3), (2, 3, 5), (4, 2, 10)):
        W, S = rng.normal(size=(K, d)), rng.normal(size=(Ks, d))
        np.testing.assert_allclose(relumc.population_gradient(W, S), tian_gradient(W, S), **TOL)
        np.testing.assert_allclose(relumc.population_loss(W, S), tian_loss(W, S), **TOL)


def test_single_relu_gradient_is_paper_eq6(rng):
    w, s = rng.normal(size=4), rng.normal(size=4)
    theta = np.arccos(w @ s / np.linalg.norm(w) / np.linalg.norm(s))
    eq6 = 0.5 * (w - s) + (theta * s - np.linalg.norm(s) / np.linalg.norm(w) * np.sin(theta) * w) / (2 * np.pi)
    g = relumc.population_gradient(w, s)
    assert g.shape == (4,)
    np.testing.assert_allclose(g, eq6, **TOL)


def test_batches_broadcast(rng):
    W, S = rng.normal(size=(6, 2, 3)), rng.normal(size=(6, 3, 3))
    g = relumc.population_gradient(W, S)
    assert g.shape == (6, 2, 3)
    loss = relumc.population_loss(W, S)
    assert loss.shape == (6,)
    for b in range(6):
        np.testing.assert_allclose(g[b], tian_gradient(W[b], S[b]), **TOL)
        np.testing.assert_allclose(loss[b], tian_loss(W[b], S[b]), **TOL)
    # one teacher for a (2, 3) grid of students
    W2, S1 = rng.normal(size=(2, 3, 1, 4)), rng.normal(size=(1, 4))
    g2 = relumc.population_gradient(W2, S1)
    assert g2.shape == (2, 3, 1, 4)
    np.testing.assert_allclose(g2[1, 2], tian_gradient(W2[1, 2], S1), **TOL)
    E, w = rng.normal(size=(5, 3)), rng.normal(size=3)
    gt = relumc.gating(E, w)
    assert gt.shape == (5, 3)
    np.testing.assert_allclose(gt[3], tian_gating(E[3], w), **TOL)


def test_inputs_converted(rng):
    W = rng.normal(size=(3, 8))
    S = rng.normal(size=(2, 4))
    ref = relumc.population_gradient(W[:, ::2], S)  # non-contiguous
    np.testing.assert_array_equal(ref, relumc.population_gradient(np.ascontiguousarray(W[:, ::2]), S))
    np.testing.assert_array_equal(ref, relumc.population_gradient(W[:, ::2].tolist(), S.tolist()))
    W32, S32 = W[:, ::2].astype(np.float32), S.astype(np.float32)
    np.testing.assert_array_equal(relumc.population_gradient(W32, S32),
                                  relumc.population_gradient(W32.astype(np.float64), S32.astype(np.float64)))
    assert relumc.population_loss([[1, 0]], [[0, 2]]) == pytest.approx(tian_loss([[1, 0]], [[0, 2]]), rel=1e-12)


def test_wrong_formulas_differ(rng):
    W, S = rng.normal(size=(2, 5)), rng.normal(size=(1, 5))
    right = relumc.population_gradient(W, S)
    for f in ("sin-sign", "theta-swap", "lost-half"):
        assert np.max(np.abs(relumc.population_gradient(W, S, formula=f) - right)) > 1e-3


@pytest.mark.parametrize("call, exc, name", [
    (lambda: relumc.population_gradient([[0.0, 0.0]], [[1.0, 0.0]]), ValueError, "W"),
    (lambda: relumc.population_gradient([[1.0, 0.0]], [[0.0, 0.0]]), ValueError, "W_star"),
    (lambda: relumc.population_gradient([[np.nan, 1.0]], [[1.0, 0.0]]), ValueError, "W"),
    (lambda: relumc.population_gradient([[1.0, 2.0]], [[1.0, 0.0, 3.0]]), ValueError, "W_star"),
    (lambda: relumc.population_gradient(np.ones((2, 1, 3)), np.ones((3, 1, 3))), ValueError, "W_star"),
    (lambda: relumc.population_loss("abc", [[1.0]]), TypeError, "W"),
    (lambda: relumc.population_loss([[1, 2], [3]], [[1.0]]), (TypeError, ValueError), "W"),
    (lambda: relumc.population_loss(3.0, [[1.0]]), ValueError, "W"),
    (lambda: relumc.gating([1.0, 0.0], [np.inf, 1.0]), ValueError, "w"),
    (lambda: relumc.gating([0.0, 0.0], [1.0, 1.0]), ValueError, "e"),
    (lambda: relumc.gating([1.0, 0.0], [1.0, 1.0], formula="nope"), ValueError, "formula"),
    (lambda: relumc.population_loss(np.ones((1, 2), dtype=complex), [[1.0, 0.0]]), TypeError, "W"),
])
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc) as info:
        call()
    assert f"`{name}`" in str(info.value)
    if isinstance(info.value, relumc.InputError):
        assert info.value.field == name


def test_hessian_is_the_jacobian_of_the_gradient():
    # Central differences of the closed-form gradient (error ~ h^2) against the closed-form Hessian.
    rng = np.random.default_rng(3)
    W, S = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    H = relumc.hessian(W, S)
    assert H.shape == (12, 12) and np.allclose(H, H.T, atol=1e-12)
    h = 1e-5
    for a in range(12):
        dW = np.zeros(12)
        dW[a] = h
        g_plus = relumc.population_gradient(W + dW.reshape(3, 4), S).reshape(-1)
        g_minus = relumc.population_gradient(W - dW.reshape(3, 4), S).reshape(-1)
        assert np.allclose((g_plus - g_minus) / (2 * h), H[:, a], atol=1e-7)
    # batched: a leading axis, broadcast against one teacher
    Hb = relumc.hessian(np.stack([W, 2 * W]), S)
    assert Hb.shape == (2, 12, 12) and np.array_equal(Hb[0], H)
    with pytest.raises(ValueError, match="W"):
        relumc.hessian(np.vstack([W[:2], np.zeros((1, 4))]), S)
