# SPDX-License-Identifier: MIT
"""relumc.check: user formulas written in Python; the correct ones pass, deliberately wrong ones are rejected."""
import numpy as np
import pytest

import relumc


def angle(u, v):
    return np.arccos(np.clip(u @ v / np.linalg.norm(u) / np.linalg.norm(v), -1.0, 1.0))


def gating_formula(sin_sign=1.0, swap=False, half=0.5):
    def F(e, w):
        t = angle(e, w)
        a = t if swap else np.pi - t
        return half / np.pi * (a * w + sin_sign * np.linalg.norm(w) * np.sin(t) * e / np.linalg.norm(e))
    return F


def gradient_formula(**wrong):
    F = gating_formula(**wrong)

    def grad(W, W_star):
        return np.array([sum(F(wj, v) for v in W) - sum(F(wj, s) for s in W_star) for wj in W])
    return grad


def loss_formula(sin_sign=1.0, swap=False, half=0.5):
    def kappa(u, v):
        t = angle(u, v)
        a = t if swap else np.pi - t
        return np.linalg.norm(u) * np.linalg.norm(v) / (2 * np.pi) * (sin_sign * np.sin(t) + a * np.cos(t))

    def loss(W, W_star):
        k = lambda A, B: sum(kappa(a, b) for a in A for b in B)  # noqa: E731
        return half * (k(W, W) - 2 * k(W, W_star) + k(W_star, W_star))
    return loss


FORMULAS = {"gating": gating_formula, "grad": gradient_formula, "loss": loss_formula}
WRONG = {"sin sign flipped": dict(sin_sign=-1.0), "theta for pi - theta": dict(swap=True),
         "lost 1/2": dict(half=1.0)}


@pytest.mark.parametrize("quantity", ["gating", "grad", "loss"])
def test_correct_formula_passes(quantity):
    res = relumc.check(FORMULAS[quantity](), quantity, samples=(1e4, 1e5), seed=3)
    assert res.passed and not res.rejected and bool(res)
    assert len(res.cases) == (10 if quantity == "gating" else 20)
    for c in res.cases:
        assert c.samples == 100000 and c.rejected_at is None
        np.testing.assert_allclose(c.value, c.closed_form, rtol=1e-10, atol=1e-12)  # the user's = relumc's


@pytest.mark.parametrize("quantity", ["gating", "grad", "loss"])
@pytest.mark.parametrize("wrong", list(WRONG))
def test_wrong_formula_rejected(quantity, wrong):
    res = relumc.check(FORMULAS[quantity](**WRONG[wrong]), quantity, samples=(1e4, 1e5), seed=3)
    assert res.rejected and not res.passed, f"{wrong} ({quantity}) not rejected: {res}"
    assert all(c.rejected_at in (10000, 100000) for c in res.rejecting)
    assert "REJECTED" in repr(res)


def test_user_cases_and_the_n_of_rejection():
    rng = np.random.default_rng(4)
    cases = [(rng.normal(size=(2, 6)), rng.normal(size=(1, 6))) for _ in range(4)]
    good = relumc.check(gradient_formula(), "grad", cases=cases, samples=[2e4], seed=9)
    assert good.passed and len(good.cases) == 4
    # a small error in the formula needs more samples: the ladder says at which N it was caught
    def slightly_off(W, W_star):
        return gradient_formula()(W, W_star) * 1.02
    res = relumc.check(slightly_off, "grad", cases=cases, samples=[1e3, 1e4, 1e5, 1e6], seed=9)
    assert res.rejected
    assert min(c.rejected_at for c in res.rejecting) > 1000


@pytest.mark.parametrize("formula, kwargs, exc, name", [
    (42, {}, TypeError, "formula"),
    (lambda W, S: np.zeros(3), {}, ValueError, "formula"),
    (lambda W, S: np.full(W.shape, np.nan), {}, ValueError, "formula"),
    (lambda W, S: "x", {}, TypeError, "formula"),
    (lambda W, S: 1 / 0, {}, ZeroDivisionError, "formula"),
    (lambda W, S: W, dict(quantity="power"), ValueError, "quantity"),
    (lambda W, S: W, dict(samples=[]), ValueError, "samples"),
    (lambda W, S: W, dict(cases=[(np.ones((1, 3)),)]), ValueError, "cases"),
    (lambda W, S: W, dict(alpha=0.0), ValueError, "alpha"),
])
def test_bad_input(formula, kwargs, exc, name):
    with pytest.raises(exc) as info:
        relumc.check(formula, **kwargs)
    assert f"`{name}`" in str(info.value)
