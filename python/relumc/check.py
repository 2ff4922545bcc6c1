# SPDX-License-Identifier: MIT
"""relumc.check: a user's own closed form, written in Python, tested against relumc's Monte Carlo estimates
with the engine's calibrated test (relumc::test_case per case, Holm across the cases; include/relumc/stats/
verdict.hpp), on a ladder of sample counts."""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

import numpy as np

from . import _core
from ._convert import as_choice, as_counts, as_float_array, as_real, input_error
from .verify import QUANTITIES, Samples, _run, make_case


class CheckCase:
    """One case of a check: the formula's arguments, its value, relumc's closed form, and the N (if any) at
    which the engine rejected the formula."""

    def __init__(self, args, value, closed_form, case):
        self.args = args
        self.value: np.ndarray = value
        self.closed_form: np.ndarray = closed_form
        self.case = case
        self.rejected_at: Optional[int] = None
        self.estimate: Optional[np.ndarray] = None
        self.stderr: Optional[np.ndarray] = None
        self.z: Optional[float] = None
        self.p_value: Optional[float] = None
        self.p_holm: Optional[float] = None
        self.samples: Optional[int] = None  # the last N it was tested at

    @property
    def rejected(self) -> bool:
        return self.rejected_at is not None

    def __repr__(self) -> str:
        where = f"rejected at N={self.rejected_at}" if self.rejected else f"not rejected up to N={self.samples}"
        return f"CheckCase(args shapes={[np.shape(a) for a in self.args]}, {where}, z={self.z:.3g})"


class CheckResult:
    """The verdict on a user formula.

    .rejected: some case rejects it (the family-wise error rate of a correct formula being rejected is at
    most alpha); .passed: none does. .cases: every CheckCase; .rejecting: those that reject it, each with
    .rejected_at (the first N of the ladder at which the engine rejected it).
    """

    def __init__(self, quantity: str, cases: List[CheckCase], ladder: List[int], alpha: float):
        self.quantity = quantity
        self.cases = cases
        self.samples = ladder
        self.alpha = alpha
        self.rejecting = [c for c in cases if c.rejected]
        self.rejected = bool(self.rejecting)
        self.passed = not self.rejected

    def __bool__(self) -> bool:  # `if relumc.check(f): ...` reads as "the formula holds"
        return self.passed

    def __repr__(self) -> str:
        if not self.rejected:
            return (f"CheckResult({self.quantity}: not rejected in {len(self.cases)} cases up to "
                    f"N={self.samples[-1]}, alpha={self.alpha})")
        first = min(c.rejected_at for c in self.rejecting)
        return (f"CheckResult({self.quantity}: REJECTED in {len(self.rejecting)} of {len(self.cases)} cases, "
                f"first at N={first}, alpha={self.alpha})")


def _default_cases(quantity: str, seed: int):
    # grad and loss: K = 1 and K = 2 students against one teacher, d = 2 and 10, five angles 0..pi, |w| = 1,
    # |w*|/|w| = 1.5, each in a random plane drawn from the seed.
    units = [1] if quantity == "gating" else [1, 2]
    return list(_core.build_grid([quantity], _core.angle_steps(5), [1.0], [1.5], [2, 10], units, [1], 0, [2],
                                 "gaussian", None, seed))


def _value(formula: Callable, args, case, k: int) -> np.ndarray:
    try:
        out = formula(*args)
    except Exception as e:
        try:  # the user's own exception type, with the case named
            wrapped = type(e)(f"`formula` raised on case {k}: {e}")
        except Exception:
            wrapped = RuntimeError(f"`formula` raised on case {k}: {type(e).__name__}: {e}")
        raise wrapped from e
    try:
        v = as_float_array(out, "formula")
    except ValueError as e:
        raise input_error("formula", f"returned a non-finite value on case {k}: {e}") from None
    except TypeError:
        raise TypeError(f"`formula` returned {type(out).__name__} on case {k}; expected an array of real numbers") \
            from None
    want = tuple(case.shape)
    if v.size != int(np.prod(want)) or (v.ndim > 0 and v.squeeze().shape != tuple(s for s in want if s != 1)):
        raise input_error("formula", f"returned shape {v.shape} on case {k}; expected {want}")
    return v.reshape(want)


def check(formula: Callable, quantity: str = "grad", cases: Optional[Sequence[Any]] = None,
          samples: Sequence[Samples] = (1e4, 1e5), seed: int = 1, *, alpha: float = 0.01, contract: str = "v1",
          backend: str = "auto", precision: Optional[str] = None, threads: int = 0,
          progress: Any = None) -> CheckResult:
    """Test a closed form written in Python against relumc's Monte Carlo estimates.

    formula: a callable. quantity "grad": formula(W, W_star) -> array (K, d), the population gradient;
    "loss": formula(W, W_star) -> a number; "gating": formula(e, w) -> array (d,), E[x 1(e.x>0) relu(w.x)].
    W (K, d) and W_star (K*, d) are float64 NumPy arrays; e and w vectors (d,).
    cases: tuples of the formula's arguments ((W, W_star) or (e, w)); default: a grid of 10 (gating) or 20
    (grad, loss) cases over angles 0..pi, d in {2, 10}, K in {1, 2}, in random planes from the seed.
    samples: the ladder of N. At each N, every case not yet rejected is estimated on fresh samples (its own
    stream) and tested with the engine's test (z with the sample's standard error, Sidak over components),
    Holm across the cases at level alpha / len(samples) (Bonferroni over the ladder), so a correct formula
    is rejected with probability at most alpha overall.
    """
    if not callable(formula):
        raise TypeError(f"`formula` must be callable, not {type(formula).__name__}")
    quantity = as_choice(quantity, "quantity", QUANTITIES)
    ladder = sorted(as_counts(samples, "samples", 2))
    alpha = as_real(alpha, "alpha")
    if not 0 < alpha < 1:
        raise input_error("alpha", f"{alpha} is outside (0, 1)")
    if cases is None:
        base = _default_cases(quantity, seed)
    else:
        base = []
        try:
            items = list(cases)
        except TypeError:
            raise TypeError(f"`cases` must be a list of argument tuples, not {type(cases).__name__}") from None
        if not items:
            raise input_error("cases", "is empty")
        for k, item in enumerate(items):
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise input_error("cases", f"item {k} is not a pair of arrays ({'(e, w)' if quantity == 'gating' else '(W, W_star)'})")
            a, b = item
            W, W_star = (b, a) if quantity == "gating" else (a, b)
            base.append(make_case(W, W_star, quantity, 2))
    checks: List[CheckCase] = []
    for k, case in enumerate(base):
        args = (case.W_star, case.W) if quantity == "gating" else (case.W, case.W_star)
        checks.append(CheckCase(args, _value(formula, args, case, k), case.closed_form(), case))
    level_alpha = alpha / len(ladder)
    for level, n in enumerate(ladder):
        active = [c for c in checks if not c.rejected]
        if not active:
            break
        runs = [c.case.replace(samples=n, stream=level * len(checks) + checks.index(c)) for c in active]
        report = _run(runs, [np.ascontiguousarray(c.value.reshape(-1)) for c in active], seed=seed,
                      threads=threads, precision=precision, contract=contract, backend=backend, alpha=level_alpha,
                      progress=progress)
        for c, r, rc in zip(active, report.results, runs):
            shape = tuple(rc.shape)
            c.estimate = r.mean.reshape(shape)
            c.stderr = r.std_error.reshape(shape)
            c.z, c.p_value, c.p_holm, c.samples = float(r.max_abs_z), float(r.p_value), float(r.p_holm), n
            if not r.passed:
                c.rejected_at = n
    return CheckResult(quantity, checks, ladder, alpha)
