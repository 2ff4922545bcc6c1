# SPDX-License-Identifier: MIT
"""Gradient descent on the student against a teacher (relumc::run_dynamics, include/relumc/dynamics/dynamics.hpp;
docs/dynamics.md), with every run's trajectory returned as arrays rather than files."""
from __future__ import annotations

from typing import Any, List, Optional

import numpy as np

from . import _core
from ._convert import as_choice, as_float_array, as_int, as_real, input_error, progress_callback, renamed
from .closed_forms import FORMULAS

INITS = ("gaussian", "ball", "weights", "symmetric")


class DynamicsResult:
    """The runs of relumc.dynamics.

    record_steps (n,): the recorded steps (0 = the start; the last is `steps`).
    loss, grad_norm (runs, n): the closed-form population loss and |E grad|_F at those steps (NaN where a
    run had stopped: a population run stops at a fixed point); dist (runs, n, K): |w_j - w*_pi(j)| for the
    best matching pi; gap (runs, n): |W_sgd - W_pop|_F (compare_population).
    start, final (runs, K, d): the weights; outcome: "recovered", "stalled", "diverged" or "not-converged"
    per run, with note (why, in words); steps_run, steps_to_recover (-1: never) per run.
    """

    def __init__(self, raw: dict, teacher: np.ndarray):
        self.teacher: np.ndarray = teacher
        self.record_steps: np.ndarray = raw["record_steps"]
        self.start: np.ndarray = raw["start"]
        self.final: np.ndarray = raw["final"]
        self.loss: np.ndarray = raw["loss"]
        self.grad_norm: np.ndarray = raw["grad_norm"]
        self.dist: np.ndarray = raw["dist"]
        self.gap: np.ndarray = raw["gap"]
        self.final_loss: np.ndarray = raw["final_loss"]
        self.final_grad_norm: np.ndarray = raw["final_grad_norm"]
        self.max_gap: np.ndarray = raw["max_gap"]
        self.final_gap: np.ndarray = raw["final_gap"]
        self.steps_run: np.ndarray = raw["steps_run"]
        self.steps_to_recover: np.ndarray = raw["steps_to_recover"]
        self.outcome: List[str] = list(raw["outcome"])
        self.note: List[str] = list(raw["note"])

    @property
    def recovered_fraction(self) -> float:
        return self.outcome.count("recovered") / len(self.outcome)

    def __len__(self) -> int:
        return len(self.outcome)

    def __repr__(self) -> str:
        counts = {o: self.outcome.count(o) for o in sorted(set(self.outcome))}
        return f"DynamicsResult({len(self)} runs, {counts})"


def orthonormal_teacher(K_star: int, d: int, scale: float = 1.0) -> np.ndarray:
    """Rows e_0 .. e_{K*-1} of R^d times scale (K*, d)."""
    try:
        return _core.orthonormal_teacher(as_int(K_star, "K_star", 1), as_int(d, "d", 1), as_real(scale, "scale"))
    except _core.InputError as e:
        raise renamed(e) from None


_DYN_NAMES = {"teacher": "W_star", "init.std": "init_std", "init.radius": "init_radius", "init.x": "init_x",
              "init.y": "init_y", "init.delta": "init_delta", "initial student weights": "W0"}


def dynamics(W_star: Any, K: Optional[int] = None, *, init: str = "gaussian", init_std: float = 0.1,
             init_radius: float = 0.1, W0: Any = None, init_x: float = 0.5, init_y: float = 0.5,
             init_delta: float = 0.0, lr: float = 0.1, steps: int = 1000, batch: int = 0,
             compare_population: bool = False, record_every: int = 100, runs: int = 1, seed: int = 1,
             contract: str = "v1", threads: int = 0, formula: str = "tian", recover_tol: float = 1e-4,
             stall_tol: float = 1e-6, stop_when_recovered: bool = False, progress: Any = None) -> DynamicsResult:
    """Gradient descent on a student of K units against the teacher W_star (K*, d), `runs` runs at once.

    batch 0: the population gradient (the closed form); batch B >= 1: B fresh samples of the sample contract
    per step (SGD), with compare_population running population GD in lockstep from the same start.
    init: "gaussian" (entries N(0, init_std^2)), "ball" (rows uniform in the ball of init_radius),
    "weights" (W0 (K, d), the same start for every run) or "symmetric" (K = K*, orthonormal teacher:
    w_j = x w*_j + y sum_{j' != j} w*_j' + delta u_j). Records every `record_every` steps and the endpoint.
    Every run is reproducible bit for bit from (seed, run index) (docs/dynamics.md), as `relumc dynamics`.
    The GIL is released; Ctrl-C stops every run before its next step (KeyboardInterrupt).
    """
    teacher = as_float_array(W_star, "W_star")
    if teacher.ndim == 1:
        teacher = teacher[None, :]
    if teacher.ndim != 2 or teacher.size == 0:
        raise input_error("W_star", f"has shape {teacher.shape}; expected rows (K*, d)")
    as_choice(init, "init", INITS)
    w0 = None
    if W0 is not None:
        w0 = as_float_array(W0, "W0")
        if w0.ndim == 1:
            w0 = w0[None, :]
        if w0.ndim != 2:
            raise input_error("W0", f"has shape {w0.shape}; expected rows (K, d)")
        if init != "weights":
            raise input_error("W0", f"is given but `init` is '{init}' (use init=\"weights\")")
        if K is None:
            K = w0.shape[0]
    elif init == "weights":
        raise input_error("W0", "is needed by init=\"weights\"")
    K = teacher.shape[0] if K is None else as_int(K, "K", 1)
    if w0 is not None and w0.shape[0] != K:
        raise input_error("W0", f"has {w0.shape[0]} rows but K = {K}")
    as_choice(contract, "contract", ("v1", "v2"))
    as_choice(formula, "formula", FORMULAS)
    try:
        raw = _core.run_dynamics(
            teacher, K, init, as_real(init_std, "init_std"), as_real(init_radius, "init_radius"), w0,
            as_real(init_x, "init_x"), as_real(init_y, "init_y"), as_real(init_delta, "init_delta"),
            as_real(lr, "lr"), as_int(steps, "steps", 0), as_int(batch, "batch", 0), bool(compare_population),
            as_int(record_every, "record_every", 1), as_int(runs, "runs", 1), as_int(seed, "seed", 0), contract,
            as_int(threads, "threads", 0), formula, as_real(recover_tol, "recover_tol"),
            as_real(stall_tol, "stall_tol"), bool(stop_when_recovered), progress_callback(progress, unit="steps"))
    except _core.InputError as e:
        raise renamed(e, _DYN_NAMES) from None
    return DynamicsResult(raw, teacher)
