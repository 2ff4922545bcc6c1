# SPDX-License-Identifier: MIT
"""The loss landscape in closed form (include/relumc/landscape; docs/landscape.md), returned as arrays and
result objects rather than files: analyze (loss, gradient, Hessian, spectrum, kind at a point), critical_point
(the Newton / Levenberg-Marquardt search of `relumc landscape critical`), census (where gradient descent ends
from many starts, `relumc landscape census`). The computations are the library's, so for the same inputs the
numbers are the CLI's bit for bit.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _core
from ._convert import as_count, as_float_array, as_int, as_real, input_error, progress_callback, renamed

# The library's field names (the CLI's flags) -> the Python arguments.
_NAMES = {"teacher_rows": "k", "units": "K", "dim": "d", "student": "W", "samples": "mc_samples"}


def _rows(x: Any, name: str) -> np.ndarray:
    a = as_float_array(x, name)
    if a.ndim == 1 and a.size > 0:
        a = a[None, :]
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise input_error(name, f"has shape {a.shape}; expected rows (K, d) or one vector (d,)")
    return a


class McCheck:
    """The Monte Carlo check of a point (relumc::mc_check; docs/landscape.md).

    passed: every test passed (an inconclusive test is no confirmation); alpha: the check's level (split over
    its tests). tests: one dict per test with name ("gradient_zero", "gradient", "loss", "hessian_offdiagonal",
    "hessian_diagonal", "negative_curvature"), verdict ("pass", "reject", "inconclusive"), passed, p_value, level,
    max_abs_z, samples, components, tail_error (the effective-sample rule, every test), mc_std_error (loss,
    negative_curvature), and for negative_curvature the MC and closed-form second differences.
    """

    def __init__(self, raw: dict):
        self.passed: bool = bool(raw["passed"])
        self.alpha: float = float(raw["alpha"])
        self.tests: List[Dict[str, Any]] = [dict(t) for t in raw["tests"]]

    @property
    def verdicts(self) -> Dict[str, str]:
        """{test name: verdict}."""
        return {t["name"]: t["verdict"] for t in self.tests}

    def __repr__(self) -> str:
        return f"McCheck(passed={self.passed}, {self.verdicts})"


class PointResult:
    """A point of the landscape: relumc.analyze's result (and the end point of relumc.critical_point).

    student (K, d): the point; loss: J there; gradient (K, d) and gradient_norm (|grad J|_F; None at a kink,
    where the gradient is undefined: the zero row's gradient is reported as 0).
    kind: "minimum" (index 0, nullity 0), "saddle" (index > 0), "degenerate" (index 0, nullity > 0),
    "kink" (a student row is the zero vector: J has no Hessian there) or "not-critical" (|grad J|_F above
    gradient_tol |W*|_F). k1: students anti-aligned with their matched teacher row.
    hessian (K d, K d), eigenvalues (ascending), eigenvectors (column c belongs to eigenvalues[c]), index,
    nullity (eigenvalues below / within eigen_tol max |lambda|, eigen_tol_abs): None (eigenvalues empty) at
    a kink. kink: the first zero row, or None. mc_check: a McCheck when mc_samples > 0 (and J is smooth there).
    """

    def __init__(self, raw: dict):
        self.student: np.ndarray = raw["student"]
        self.loss: float = float(raw["loss"])
        self.gradient: np.ndarray = raw["gradient"]
        self.gradient_norm: Optional[float] = raw["gradient_norm"]
        self.kink: Optional[int] = raw["kink"]
        self.eigenvalues: np.ndarray = raw["eigenvalues"]
        self.eigenvectors: Optional[np.ndarray] = raw["eigenvectors"]
        self.hessian: Optional[np.ndarray] = raw["hessian"]
        self.index: Optional[int] = raw["index"]
        self.nullity: Optional[int] = raw["nullity"]
        self.eigen_tol_abs: Optional[float] = raw["eigen_tol_abs"]
        self.kind: str = raw["kind"]
        self.k1: int = int(raw["k1"])
        self.mc_check: Optional[McCheck] = McCheck(raw["mc_check"]) if raw["mc_check"] is not None else None

    @property
    def lambda_min(self) -> Optional[float]:
        """The smallest eigenvalue (None at a kink)."""
        return float(self.eigenvalues[0]) if self.eigenvalues.size else None

    def __repr__(self) -> str:
        g = "undefined" if self.gradient_norm is None else f"{self.gradient_norm:.3g}"
        return (f"{type(self).__name__}(kind={self.kind!r}, loss={self.loss:.6g}, |grad|={g}, index={self.index}, "
                f"nullity={self.nullity}, k1={self.k1})")


class CriticalResult(PointResult):
    """relumc.critical_point's result: the point the search reached (PointResult's attributes) and the search.

    start (K, d): W0; iterations: accepted and refused steps; gradient_norms: |grad J|_F at the start and
    after each accepted step; gradient_tol_abs, kink_tol_abs: the absolute tolerances (times |W*|_F).
    kind "not-critical": the search stopped before |grad J|_F <= gradient_tol_abs.
    """

    def __init__(self, raw: dict):
        super().__init__(raw)
        self.start: np.ndarray = raw["start"]
        self.iterations: int = int(raw["iterations"])
        self.gradient_norms: np.ndarray = raw["gradient_norms"]
        self.gradient_tol_abs: float = float(raw["gradient_tol_abs"])
        self.kink_tol_abs: float = float(raw["kink_tol_abs"])


class CensusResult:
    """relumc.census's result (the numbers of `relumc landscape census`'s census.json and census_runs.csv).

    runs: the number of runs; global_, spurious, saddles, kinks, not_critical: counts (also as the dict
    counts, keyed as in census.json); global_kinks: the global runs that ended at a kink; share_global,
    share_spurious with 95% Wilson intervals share_global_ci, share_spurious_ci.
    families: one dict per family (distinct end point up to symmetry), by ascending loss: kind, k1, runs, loss,
    lambda_min, index, nullity, first_run (a representative) and mc_check (a McCheck when mc_samples > 0).
    Per run (arrays of length runs): run_kind (list of str), run_student (runs, K, d), run_loss, run_k1,
    run_lambda_min, run_gradient_norm (NaN where undefined: a kink, no spectrum), run_index, run_nullity (-1
    without a spectrum), run_steps, run_newton_iterations, run_escapes, run_family (-1: no family), run_global,
    run_spurious (bool).
    """

    def __init__(self, raw: dict):
        for key in ("k", "K", "d", "runs", "seed", "spurious", "saddles", "kinks", "not_critical", "global_kinks",
                    "threads"):
            setattr(self, key, int(raw[key]))
        self.global_: int = int(raw["global"])  # (`global` is a Python keyword)
        self.counts: Dict[str, int] = {key: int(raw[key]) for key in ("global", "spurious", "saddles", "kinks",
                                                                       "not_critical")}
        self.share_global: float = float(raw["share_global"])
        self.share_spurious: float = float(raw["share_spurious"])
        self.share_global_ci: Tuple[float, float] = tuple(raw["share_global_ci"])
        self.share_spurious_ci: Tuple[float, float] = tuple(raw["share_spurious_ci"])
        self.seconds: float = float(raw["seconds"])
        self.families: List[Dict[str, Any]] = []
        for f in raw["families"]:
            f = dict(f)
            f["mc_check"] = McCheck(f["mc_check"]) if f["mc_check"] is not None else None
            self.families.append(f)
        self.run_kind: List[str] = list(raw["run_kind"])
        for key in ("student", "loss", "lambda_min", "gradient_norm", "k1", "index", "nullity", "steps",
                    "newton_iterations", "escapes", "family"):
            setattr(self, "run_" + key, raw["run_" + key])
        self.run_global: np.ndarray = raw["run_global"].astype(bool)
        self.run_spurious: np.ndarray = raw["run_spurious"].astype(bool)

    def __repr__(self) -> str:
        return (f"CensusResult(k={self.k}, K={self.K}, d={self.d}: {self.runs} runs, share_global "
                f"{self.share_global:.4f}, share_spurious {self.share_spurious:.4f}, {len(self.families)} families)")


def _mc_args(mc_samples: Any, seed: Any, alpha: Any, threads: Any):
    return (as_count(mc_samples, "mc_samples", 0), as_int(seed, "seed", 0), as_real(alpha, "alpha"),
            as_int(threads, "threads", 0))


def analyze(W: Any, W_star: Any, eigen_tol: float = 1e-8, *, gradient_tol: float = 1e-12, mc_samples: Any = 0,
            seed: int = 1, alpha: float = 0.01, threads: int = 0) -> PointResult:
    """Loss, gradient, Hessian, spectrum and kind of the landscape at W (K, d) against the teacher W_star (K*, d)
    (`relumc landscape hessian`; relumc::analyze_point, classify, count_k1).

    eigen_tol: an eigenvalue with |lambda| <= eigen_tol max |lambda| counts as zero (nullity); gradient_tol:
    the point is critical when |grad J|_F <= gradient_tol |W*|_F (else kind "not-critical"). A zero student row
    is a kink: kind "kink", no Hessian (None), never NaN. mc_samples > 0 confirms the point by Monte Carlo
    (gradient against the closed form, loss, off-diagonal Hessian blocks, a saddle's negative curvature) at
    level alpha, with `seed` and `threads`.
    """
    Wa, Sa = _rows(W, "W"), _rows(W_star, "W_star")
    args = (as_real(eigen_tol, "eigen_tol"), as_real(gradient_tol, "gradient_tol")) + _mc_args(mc_samples, seed,
                                                                                                  alpha, threads)
    try:
        return PointResult(_core.analyze(Wa, Sa, *args))
    except _core.InputError as e:
        raise renamed(e, _NAMES) from None


def critical_point(W0: Any, W_star: Any, *, max_iterations: int = 200, gradient_tol: float = 1e-12,
                   eigen_tol: float = 1e-8, kink_tol: float = 1e-8, mc_samples: Any = 0, seed: int = 1,
                   alpha: float = 0.01, threads: int = 0) -> CriticalResult:
    """The critical point the Newton / Levenberg-Marquardt search on the closed-form gradient reaches from W0
    (K, d) against W_star (K*, d), classified by the closed-form Hessian (`relumc landscape critical`;
    relumc::find_critical_point). The options are the CLI's flags: max_iterations, gradient_tol (critical when
    |grad J|_F <= gradient_tol |W*|_F), eigen_tol, kink_tol (|w_j| <= kink_tol |W*|_F is a zero row).
    mc_samples > 0 confirms a critical point by Monte Carlo (the gradient statistically zero, ...).
    """
    Wa, Sa = _rows(W0, "W0"), _rows(W_star, "W_star")
    args = (as_int(max_iterations, "max_iterations", 0), as_real(gradient_tol, "gradient_tol"),
            as_real(eigen_tol, "eigen_tol"), as_real(kink_tol, "kink_tol")) + _mc_args(mc_samples, seed, alpha,
                                                                                         threads)
    try:
        return CriticalResult(_core.critical_point(Wa, Sa, *args))
    except _core.InputError as e:
        raise renamed(e, {**_NAMES, "student": "W0"}) from None


def census(k: int, K: Optional[int] = None, d: Optional[int] = None, *, runs: int = 100, seed: int = 1,
           init: str = "gaussian", lr: float = 0.1, max_steps: int = 100000, switch_tol: float = 1e-6, spurious_loss: float = 1e-3,
           escape_saddles: bool = False, max_escapes: int = 5, escape_step: float = 1e-2,
           max_iterations: int = 200, gradient_tol: float = 1e-12, eigen_tol: float = 1e-8,
           kink_tol: float = 1e-8, mc_samples: Any = 0, alpha: float = 0.01, threads: int = 0,
           progress: Any = None) -> CensusResult:
    """Where gradient descent ends from `runs` random starts (`relumc landscape census`; relumc::run_census):
    teacher = the identity rows e_0 .. e_{k-1} of R^d (d = k when None), K students (K = k when None) with
    N(0, 1/d) entries (init "gaussian") or U(-a, a) entries, a = sqrt(6 / (d + K)) (init "xavier"), population gradient descent with step lr until |grad J|_F <= switch_tol |W*|_F, then
    the Newton polish and the Hessian's classification. The options are the CLI's flags. mc_samples > 0
    confirms each family's representative by Monte Carlo (level alpha split over the families).
    The GIL is released; progress: a callable(done_runs, runs) or True (tqdm); Ctrl-C stops the census
    between runs (KeyboardInterrupt).
    """
    k = as_int(k, "k", 1)
    K = k if K is None else as_int(K, "K", 1)
    d = 0 if d is None else as_int(d, "d", 1)
    try:
        raw = _core.census(
            k, K, d, as_int(runs, "runs", 1), as_int(seed, "seed", 0), str(init), as_real(lr, "lr"),
            as_int(max_steps, "max_steps", 0), as_real(switch_tol, "switch_tol"),
            as_real(spurious_loss, "spurious_loss"), bool(escape_saddles), as_int(max_escapes, "max_escapes", 0),
            as_real(escape_step, "escape_step"), as_int(max_iterations, "max_iterations", 0),
            as_real(gradient_tol, "gradient_tol"), as_real(eigen_tol, "eigen_tol"), as_real(kink_tol, "kink_tol"),
            as_count(mc_samples, "mc_samples", 0), as_real(alpha, "alpha"), as_int(threads, "threads", 0),
            progress_callback(progress, unit="runs"))
    except _core.InputError as e:
        raise renamed(e, _NAMES) from None
    return CensusResult(raw)
