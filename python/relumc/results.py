# SPDX-License-Identifier: MIT
"""Result objects in SciPy's style: VerifyResult (one case) and ResultSet (a sweep)."""
from __future__ import annotations

import json
import math
from statistics import NormalDist
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

from ._convert import as_real, input_error


def _undefined_to_none(x: float) -> Optional[float]:
    return None if x is None or math.isnan(x) else float(x)


class VerifyResult:
    """One case: the Monte Carlo estimate of a quantity against its closed form.

    Attributes
    ----------
    quantity : "gating" | "grad" | "loss"
    estimate, stderr, closed_form : arrays of the quantity's shape (gating (d,), grad (K, d), loss ())
        the Monte Carlo mean, its per-component standard error (from the samples), and the closed form
    z : float
        the test statistic: the largest |z| over components, z = (mc - cf) / sqrt(se^2 + floor^2)
    p_value : float
        the case's two-sided p-value (Sidak over components); p_holm: Holm-adjusted across its run
    rel_error : float or None
        |mc - cf| / |cf| (Euclidean); None where the closed form is zero (JSON null)
    verdict : "pass" | "reject" | "inconclusive" | "measured"
        inconclusive: too few effective samples for the normal approximation (docs/statistics.md), neither
        passed nor rejected (raise N); measured: a cube input, which has no exact closed form
    passed : bool or None
        not rejected at level alpha (Holm across the cases of the run); None where there is no verdict
        (inconclusive or measured), as `passed: null` in results.json
    tail_error : float
        the effective-sample rule's relative Edgeworth tail excess (above 0.25: inconclusive)
    test : "sidak" | "span"
        the test that gave p_value
    samples, seed, stream, contract, precision, backend : how it was computed (the sample contract)
    W, W_star : the case's weights (gating: w and e)
    """

    def __init__(self, case: Any, result: Any, report: Any):
        shape = tuple(case.shape)
        self.quantity: str = case.quantity
        self.W: np.ndarray = case.W
        self.W_star: np.ndarray = case.W_star
        self.estimate: np.ndarray = result.mean.reshape(shape)
        self.stderr: np.ndarray = result.std_error.reshape(shape)
        self.closed_form: np.ndarray = result.closed_form.reshape(shape)
        self.z: float = float(result.max_abs_z)
        self.p_value: float = float(result.p_value)
        self.p_holm: Optional[float] = _undefined_to_none(result.p_holm)
        self.rel_error: Optional[float] = _undefined_to_none(result.rel_error)
        self.verdict: str = result.verdict
        self.passed: Optional[bool] = None if self.verdict in ("inconclusive", "measured") else bool(result.passed)
        self.inconclusive: bool = bool(result.inconclusive)
        self.tail_error: float = float(result.tail_error)
        self.test: str = result.test
        self.measured: bool = bool(result.measured)
        self.samples: int = int(result.samples)
        self.seconds: float = float(result.seconds)
        self.seed: int = int(report.seed)
        self.stream: int = int(case.stream)
        self.contract: str = report.contract
        self.precision: str = report.precision
        self.backend: str = report.backend
        self.alpha: float = float(report.alpha)
        self.angle: Optional[float] = case.angle
        self.d: int = int(case.d)
        self.K: int = int(case.K)
        self.Kstar: int = int(case.Kstar)
        self.origin: str = case.origin
        self.norm: float = float(case.norm)
        self.ratio: float = float(case.ratio)
        self.input: str = case.input

    @property
    def statistic(self) -> float:
        """SciPy's name for the test statistic (the same as .z)."""
        return self.z

    def confidence_interval(self, level: float = 0.95) -> Tuple[np.ndarray, np.ndarray]:
        """Per-component normal confidence interval of the true mean: estimate -/+ z_{(1+level)/2} stderr."""
        level = as_real(level, "level")
        if not 0 < level < 1:
            raise input_error("level", f"{level} is outside (0, 1)")
        half = NormalDist().inv_cdf(0.5 + level / 2) * self.stderr
        return self.estimate - half, self.estimate + half

    def to_dict(self) -> Dict[str, Any]:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in vars(self).items()}

    def __repr__(self) -> str:
        rel = "None" if self.rel_error is None else f"{self.rel_error:.3g}"
        return (f"VerifyResult(quantity={self.quantity!r}, samples={self.samples}, z={self.z:.3g}, "
                f"p_value={self.p_value:.3g}, rel_error={rel}, passed={self.passed}, verdict={self.verdict!r})")


class ResultSet:
    """The cases of one run (relumc.verify_grid): iterable, indexable, with the run's verdict.

    .passed: no case rejected (Holm at level alpha); .to_json(): results.json in the CLI's schema
    (docs/output.md, docs/schema/results.schema.json); .to_csv(): results.csv; .to_pandas(): a DataFrame.
    """

    def __init__(self, report: Any):
        self._report = report
        cases = report.cases
        self.results: List[VerifyResult] = [VerifyResult(c, r, report) for c, r in zip(cases, report.results)]
        self.passed: bool = bool(report.passed)
        self.seconds: float = float(report.seconds)
        self.backend: str = report.backend
        self.backend_note: str = report.backend_note
        self.cpu_kernel: str = report.cpu_kernel
        self.threads: int = int(report.threads)

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[VerifyResult]:
        return iter(self.results)

    def __getitem__(self, k: int) -> VerifyResult:
        return self.results[k]

    @property
    def rejected(self) -> List[VerifyResult]:
        """The cases Holm rejects."""
        return [r for r in self.results if r.verdict == "reject"]

    @property
    def inconclusive(self) -> List[VerifyResult]:
        """The cases with too few effective samples for a verdict (neither passed nor rejected)."""
        return [r for r in self.results if r.verdict == "inconclusive"]

    def to_json(self) -> str:
        """results.json as `relumc verify` writes it (the CLI's schema, written by the same library code)."""
        return self._report.to_json()

    def to_csv(self) -> str:
        """results.csv as `relumc verify` writes it."""
        return self._report.to_csv()

    def to_pandas(self):
        """One row per case (the results.csv columns). Needs pandas."""
        import io

        import pandas as pd  # optional dependency

        return pd.read_csv(io.StringIO(self.to_csv()))

    def to_dict(self) -> Dict[str, Any]:
        """results.json parsed."""
        return json.loads(self.to_json())

    def __repr__(self) -> str:
        return (f"ResultSet({len(self.results)} cases, passed={self.passed}, rejected={len(self.rejected)}, "
                f"backend={self.backend!r})")
