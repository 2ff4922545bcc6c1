# SPDX-License-Identifier: MIT
"""relumc: Monte Carlo verification of closed forms for two-layer ReLU networks (Tian, ICML 2017).

    import relumc
    r = relumc.verify(W, W_star, quantity="grad", samples=1e7, seed=1)   # r.estimate, r.p_value, r.passed
    relumc.population_gradient(W, W_star)                               # the closed form, batched
    x = relumc.samples(seed=1, stream=0, start=0, count=1000, d=10)      # the exact inputs the engine used
    relumc.check(my_formula, quantity="grad")                            # your closed form vs Monte Carlo
    relumc.analyze(W, W_star)                                            # .kind, .index, .eigenvalues

The computations are relumc's C++ library (include/relumc), the same code as the `relumc` command line:
for the same case, seed and contract the numbers are the CLI's bit for bit. docs/python.md.
"""
from ._core import HAVE_CUDA, InputError, __version__
from .check import CheckCase, CheckResult, check
from .dynamics import DynamicsResult, dynamics, orthonormal_teacher
from .closed_forms import gating, hessian, population_gradient, population_loss
from .landscape import CensusResult, CriticalResult, McCheck, PointResult, analyze, census, critical_point
from .results import ResultSet, VerifyResult
from .samples import samples
from .verify import verify, verify_grid, verify_iter

__all__ = [
    "HAVE_CUDA", "InputError", "__version__",
    "gating", "hessian", "population_gradient", "population_loss",
    "verify", "verify_iter", "verify_grid", "VerifyResult", "ResultSet",
    "samples", "check", "CheckResult", "CheckCase",
    "dynamics", "DynamicsResult", "orthonormal_teacher",
    "analyze", "critical_point", "census", "PointResult", "CriticalResult", "CensusResult", "McCheck",
]
