# SPDX-License-Identifier: MIT
"""Closed forms against Monte Carlo: verify (one case), verify_iter (one case at several N, for convergence
plots), verify_grid (a sweep, as `relumc verify` runs it). The estimates, tests and JSON are the library's
(relumc::estimate, relumc::test_case, relumc::apply_holm, relumc::results_json), so for the same case, seed
and contract the numbers are the CLI's bit for bit.
"""
from __future__ import annotations

import numbers
from typing import Any, Iterator, Optional, Sequence, Union

import numpy as np

from . import _core
from ._convert import (as_choice, as_count, as_counts, as_float_array, as_int, as_real, as_reals, as_strings,
                       input_error, progress_callback, renamed)
from .closed_forms import FORMULAS

TESTS = ("sidak", "span")
from .results import ResultSet, VerifyResult

QUANTITIES = ("gating", "grad", "loss")
CONTRACTS = ("v1", "v2")
BACKENDS = ("auto", "cpu", "cuda")
PRECISIONS = ("double", "float")
INPUTS = ("gaussian", "sphere", "ball", "cube")
CPU_KERNELS = ("auto", "simd", "scalar")

Samples = Union[int, float]


def _rows(x: Any, name: str, quantity: str) -> np.ndarray:
    a = as_float_array(x, name)
    if quantity == "gating":
        if a.ndim != 1 or a.size == 0:
            raise input_error(name, f"has shape {a.shape}; gating takes one vector (d,)")
        return a[None, :]
    if a.ndim == 1 and a.size > 0:
        return a[None, :]
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise input_error(name, f"has shape {a.shape}; expected rows (K, d) or one vector (d,)")
    return a


def make_case(W: Any, W_star: Any, quantity: str, samples: Samples, stream: int = 0, input: str = "gaussian",
              radius: Optional[float] = None):
    """A relumc case from user weights (as a weights file makes one). Gating: W is w, W_star is e."""
    quantity = as_choice(quantity, "quantity", QUANTITIES)
    Wa, Sa = _rows(W, "W", quantity), _rows(W_star, "W_star", quantity)
    if Wa.shape[1] != Sa.shape[1]:
        raise input_error("W_star", f"has d = {Sa.shape[1]} but `W` has d = {Wa.shape[1]}")
    n = as_count(samples, "samples", 2)
    stream = as_int(stream, "stream", 0)
    if stream >= 2**32:
        raise input_error("stream", f"{stream} (must be < 2^32)")
    as_choice(input, "input", INPUTS)
    radius = None if radius is None else as_real(radius, "radius")
    try:
        return _core.make_case(quantity, Wa, Sa, n, stream, input, radius)
    except _core.InputError as e:
        raise renamed(e, {"w": "W", "e": "W_star"}) from None


def _run(cases, closed_forms=None, *, seed=1, threads=0, precision=None, contract="v1", backend="auto",
         cpu_kernel="auto", alpha=0.01, formula="tian", test="sidak", progress=None):
    seed = as_int(seed, "seed", 0)
    if seed >= 2**64:
        raise input_error("seed", f"{seed} (must be < 2^64)")
    threads = as_int(threads, "threads", 0)
    if precision is not None:
        as_choice(precision, "precision", PRECISIONS)
    as_choice(contract, "contract", CONTRACTS)
    as_choice(backend, "backend", BACKENDS)
    as_choice(cpu_kernel, "cpu_kernel", CPU_KERNELS)
    as_choice(formula, "formula", FORMULAS)
    as_choice(test, "test", TESTS)
    alpha = as_real(alpha, "alpha")
    callback = progress_callback(progress)
    try:
        return _core.run_cases(cases, closed_forms, seed, threads, precision, contract, backend, cpu_kernel, alpha,
                               formula, test, callback)
    except _core.InputError as e:
        raise renamed(e) from None


def verify(W: Any, W_star: Any, quantity: str = "grad", samples: Union[Samples, Sequence[Samples]] = 10_000_000,
           seed: int = 1, *, contract: str = "v1", backend: str = "auto", alpha: float = 0.01,
           precision: Optional[str] = None, threads: int = 0, formula: str = "tian", input: str = "gaussian",
           radius: Optional[float] = None, stream: int = 0, cpu_kernel: str = "auto", test: str = "sidak",
           progress: Any = None) -> Union[VerifyResult, Iterator[VerifyResult]]:
    """Monte Carlo estimate of one case's quantity, tested against its closed form.

    W, W_star: student rows (K, d) and teacher rows (K*, d) (a vector (d,) is one row); for
    quantity="gating", W is w and W_star the gate direction e (vectors (d,)). Lists, float32, non-contiguous
    and PyTorch/JAX arrays are accepted.
    samples: N (1e7 accepted); a list of N gives a generator of results instead, one per N (verify_iter, as
    neural-tangents' monte_carlo_kernel_fn does with a list of sample counts); seed and stream select the samples (the sample contract: sample i of stream s
    under seed S is a pure function of (S, s, i); docs/sample-contract.md). stream 0 is what
    `relumc verify --weights FILE` uses for its first case.
    contract: "v1" (the reference, double) or "v2" (fast float normals; precision float only).
    backend: "auto" (CUDA when built and usable, else CPU), "cpu" or "cuda".
    alpha: level of the test. formula: "tian" or a deliberately wrong closed form. test: "sidak" (per
    component) or "span" (Hotelling's T^2 in span(W, W*); docs/statistics.md).
    The result's .verdict is "pass", "reject" or "inconclusive" (too few effective samples for the normal
    approximation: neither passed nor rejected, .passed is None; raise N).
    progress: None, True (tqdm when installed) or a callable(done, total).

    The GIL is released while the engine runs; Ctrl-C stops it at the next chunk boundary and raises
    KeyboardInterrupt. Bad input raises ValueError (relumc.InputError, .field names the argument) or
    TypeError.
    """
    if not isinstance(samples, (numbers.Real, np.generic)) or isinstance(samples, bool):
        if isinstance(samples, (str, bytes)) or not hasattr(samples, "__iter__"):
            raise TypeError(f"`samples` must be a number or a list of numbers, not {type(samples).__name__}")
        if stream != 0:
            raise input_error("stream", "is chosen per N when `samples` is a list (the k-th N uses stream k)")
        return verify_iter(W, W_star, quantity, samples, seed, contract=contract, backend=backend, alpha=alpha,
                           precision=precision, threads=threads, formula=formula, input=input, radius=radius,
                           cpu_kernel=cpu_kernel, test=test, progress=progress)
    case = make_case(W, W_star, quantity, samples, stream, input, radius)
    report = _run([case], seed=seed, threads=threads, precision=precision, contract=contract, backend=backend,
                  cpu_kernel=cpu_kernel, alpha=alpha, formula=formula, test=test, progress=progress)
    return VerifyResult(report.cases[0], report.results[0], report)


def verify_iter(W: Any, W_star: Any, quantity: str = "grad", samples: Sequence[Samples] = (1e3, 1e4, 1e5, 1e6),
                seed: int = 1, **options: Any) -> Iterator[VerifyResult]:
    """The case of verify() at each N of `samples`, lazily: a generator of VerifyResult, for convergence plots.

    The k-th N draws from stream k (as `relumc verify --weights FILE -n N0,N1,..` numbers its cases), so the
    estimates are independent and each equals the CLI's case k bit for bit (each one tested on its own).
    options: those of verify() (contract, backend, alpha, precision, threads, formula, input, radius, ...).
    """
    if "stream" in options:
        raise TypeError("verify_iter() takes no `stream`: the k-th N uses stream k")
    ns = as_counts(samples, "samples", 2)
    cases = [make_case(W, W_star, quantity, n, k, options.get("input", "gaussian"), options.get("radius"))
             for k, n in enumerate(ns)]
    run_options = {k: v for k, v in options.items() if k not in ("input", "radius")}

    def generate() -> Iterator[VerifyResult]:
        for case in cases:
            report = _run([case], seed=seed, **run_options)
            yield VerifyResult(report.cases[0], report.results[0], report)

    return generate()


def verify_grid(quantities: Union[str, Sequence[str]] = QUANTITIES, *, angles: Optional[Sequence[float]] = None,
                angle_steps: int = 7, norms: Sequence[float] = (0.5, 1.0, 2.0), ratios: Sequence[float] = (1.5,),
                dims: Sequence[int] = (2, 10, 100), units: Sequence[int] = (1,),
                teacher_units: Sequence[int] = (1,), random_cases: int = 0,
                samples: Sequence[Samples] = (1e4, 1e5, 4e5), seed: int = 1, contract: str = "v1",
                backend: str = "auto", alpha: float = 0.01, precision: Optional[str] = None, threads: int = 0,
                formula: str = "tian", input: str = "gaussian", radius: Optional[float] = None,
                cpu_kernel: str = "auto", test: str = "sidak", progress: Any = None) -> ResultSet:
    """A sweep as `relumc verify` runs it (same grid, same defaults: 567 cases), with Holm's correction across
    it. Returns a ResultSet (.passed, .rejected, .to_json() in the CLI's schema, .to_csv(), .to_pandas()).

    The grid (relumc::build_grid): for each quantity, d, K, K*, |w|, |w*|/|w| and angle, the student and
    teacher in a random plane drawn from the seed. angles: radians in [0, pi] (default: angle_steps equally
    spaced from 0 to pi).
    """
    qs = as_strings(quantities, "quantities", QUANTITIES)
    steps = as_int(angle_steps, "angle_steps", 1)
    angle_list = _core.angle_steps(steps) if angles is None else as_reals(angles, "angles")
    for name, vals in (("dims", dims), ("units", units), ("teacher_units", teacher_units)):
        if isinstance(vals, (int, np.integer)):
            vals = [vals]
        for v in vals:
            as_int(v, name, 1)
    seed_v = as_int(seed, "seed", 0)
    as_choice(input, "input", INPUTS)
    try:
        cases = _core.build_grid(qs, angle_list, as_reals(norms, "norms"), as_reals(ratios, "ratios"),
                                 [int(v) for v in np.atleast_1d(dims)], [int(v) for v in np.atleast_1d(units)],
                                 [int(v) for v in np.atleast_1d(teacher_units)], as_int(random_cases, "random_cases"),
                                 as_counts(samples, "samples", 2), input,
                                 None if radius is None else as_real(radius, "radius"), seed_v)
    except _core.InputError as e:
        raise renamed(e) from None
    report = _run(cases, seed=seed_v, threads=threads, precision=precision, contract=contract, backend=backend,
                  cpu_kernel=cpu_kernel, alpha=alpha, formula=formula, test=test, progress=progress)
    return ResultSet(report)
