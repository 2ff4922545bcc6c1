# SPDX-License-Identifier: MIT
"""relumc.dynamics: gradient descent on the student, returned as arrays."""
import numpy as np
import pytest

import relumc


def test_population_gd_recovers_one_relu():
    T = relumc.orthonormal_teacher(1, 3)
    np.testing.assert_array_equal(T, [[1.0, 0.0, 0.0]])
    res = relumc.dynamics(T, init="weights", W0=[[0.3, 0.4, -0.2]], lr=0.1, steps=3000, record_every=100)
    assert len(res) == 1 and res.outcome == ["recovered"] and res.recovered_fraction == 1.0
    assert list(res.record_steps) == list(range(0, 3001, 100))
    assert res.loss.shape == (1, 31) and res.dist.shape == (1, 31, 1) and res.final.shape == (1, 1, 3)
    np.testing.assert_array_equal(res.start[0], [[0.3, 0.4, -0.2]])
    # the recorded loss is the closed form at the start, and falls
    assert res.loss[0, 0] == pytest.approx(relumc.population_loss([[0.3, 0.4, -0.2]], T), rel=1e-14)
    # a population run stops at a fixed point: the steps after it are NaN
    reached = np.isfinite(res.loss[0])
    assert 3 <= reached.sum() < 31 and np.all(reached[:reached.sum()])
    assert np.all(np.diff(res.loss[0][reached]) < 0) and res.final_loss[0] < 1e-12
    np.testing.assert_allclose(res.final[0], T, atol=1e-6)
    assert 0 < res.steps_to_recover[0] <= res.steps_run[0] < 3000


def test_sgd_runs_are_reproducible_and_distinct():
    T = relumc.orthonormal_teacher(2, 4)
    a = relumc.dynamics(T, K=2, init="gaussian", init_std=0.3, lr=0.1, steps=200, batch=64, runs=3, seed=5,
                        compare_population=True, record_every=50)
    b = relumc.dynamics(T, K=2, init="gaussian", init_std=0.3, lr=0.1, steps=200, batch=64, runs=3, seed=5,
                        compare_population=True, record_every=50, threads=1)
    np.testing.assert_array_equal(a.final, b.final)  # whatever the thread count
    assert not np.array_equal(a.final[0], a.final[1])
    assert np.all(np.isfinite(a.gap[:, -1])) and np.all(a.max_gap > 0)
    assert repr(a).startswith("DynamicsResult(3 runs")


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=0.0), "lr"), (dict(init="nope"), "init"), (dict(init="weights"), "W0"),
    (dict(init="weights", W0=[[0.0, 0.0]]), "W0"), (dict(init_std=-1.0), "init_std"), (dict(steps=-1), "steps"),
    (dict(record_every=0), "record_every"), (dict(runs=0), "runs"), (dict(K=0), "K"),
])
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError) as info:
        relumc.dynamics([[1.0, 0.0]], **kwargs)
    assert f"`{name}`" in str(info.value)
