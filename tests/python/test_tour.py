# SPDX-License-Identifier: MIT
"""examples/tour.py runs as a new user runs it (quick N), and PyTorch/JAX-style inputs are accepted."""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import relumc
from conftest import ROOT


def test_tour_runs(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "examples/tour.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "REJECTED" in out and "not rejected" in out
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "convergence.png").stat().st_size > 1000
    if importlib.util.find_spec("torch"):
        line = next(l for l in out.splitlines() if "PyTorch autograd" in l)
        assert float(line.rsplit(" ", 1)[1]) < 1e-10  # the same samples: rounding only
    else:
        assert "PyTorch not installed" in out


def test_torch_tensors_accepted():
    torch = pytest.importorskip("torch")
    W = torch.randn(2, 4, dtype=torch.float32, requires_grad=True)
    S = torch.randn(1, 4, dtype=torch.float64)
    got = relumc.population_gradient(W, S)
    np.testing.assert_array_equal(got, relumc.population_gradient(W.detach().numpy().astype(np.float64), S.numpy()))
    r = relumc.verify(W, S, samples=2000)
    assert r.estimate.shape == (2, 4)


def test_plot_returns_a_figure():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    import relumc.plot

    rs = list(relumc.verify_iter([[1.0, 0.5]], [[0.2, -1.0]], "grad", samples=[1000, 10000]))
    fig = relumc.plot.convergence(rs)
    assert isinstance(fig, Figure) and len(fig.axes) == 1 and len(fig.axes[0].lines) == 3


def test_angle_plot_returns_a_figure():
    pytest.importorskip("matplotlib")
    import relumc.plot

    rs = relumc.verify_grid("grad", dims=(2, 5), angle_steps=4, norms=(1,), samples=(2000,))
    fig = relumc.plot.rel_error_vs_angle(rs)
    assert len(fig.axes[0].lines) == 2  # one line per (N, d)
    with pytest.raises(ValueError, match="`results`"):
        relumc.plot.rel_error_vs_angle(rs, quantity="loss")
