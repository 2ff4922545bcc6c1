# SPDX-License-Identifier: MIT
"""Tian's closed forms (ICML 2017) for x ~ N(0, I_d) as NumPy functions, computed by the library
(include/relumc/math/closed_forms.hpp through relumc::closed_form), vectorised over leading batch axes.

Every direction must be a nonzero finite vector (the angle of a zero vector is undefined): such input
raises ValueError naming the argument.
"""
from __future__ import annotations

from typing import Any, Tuple, Union

import numpy as np

from . import _core
from ._convert import as_choice, as_float_array, input_error, renamed

FORMULAS = ("tian", "sin-sign", "theta-swap", "lost-half", "norm-swap", "unscaled")


def _check_rows(a: np.ndarray, name: str) -> None:
    norms = np.sqrt(np.sum(a * a, axis=-1))
    zero = np.argwhere(norms == 0)
    if zero.size:
        raise input_error(name, f"row {tuple(int(i) for i in zero[0])} is the zero vector: it has no angle")


def _units(x: Any, name: str) -> Tuple[np.ndarray, bool]:
    """x as (..., K, d); the flag says that a single vector (d,) was given (K = 1, no unit axis)."""
    a = as_float_array(x, name)
    if a.ndim == 0:
        raise input_error(name, "is a scalar; expected a vector (d,) or rows (K, d), with leading batch axes")
    if a.shape[-1] == 0:
        raise input_error(name, "has d = 0 (must be >= 1)")
    if a.ndim == 1:
        return a[None, :], True
    if a.shape[-2] == 0:
        raise input_error(name, "has no rows (K must be >= 1)")
    return a, False


def _batch(quantity: str, W: np.ndarray, Ws: np.ndarray, formula: str, names=("W", "W_star")) -> np.ndarray:
    """(..., K, d) and (..., K*, d) broadcast over the leading axes -> (prod(batch), m) from the library."""
    if W.shape[-1] != Ws.shape[-1]:
        raise input_error(names[1], f"has d = {Ws.shape[-1]} but `{names[0]}` has d = {W.shape[-1]}")
    try:
        batch = np.broadcast_shapes(W.shape[:-2], Ws.shape[:-2])
    except ValueError:
        raise input_error(names[1], f"batch axes {Ws.shape[:-2]} do not broadcast with `{names[0]}`'s "
                                    f"{W.shape[:-2]}") from None
    Wb = np.ascontiguousarray(np.broadcast_to(W, batch + W.shape[-2:])).reshape((-1,) + W.shape[-2:])
    Sb = np.ascontiguousarray(np.broadcast_to(Ws, batch + Ws.shape[-2:])).reshape((-1,) + Ws.shape[-2:])
    _check_rows(W, names[0])
    _check_rows(Ws, names[1])
    try:
        out = _core.closed_forms(quantity, Wb, Sb, as_choice(formula, "formula", FORMULAS))
    except _core.InputError as e:
        raise renamed(e, {"student": names[0], "teacher": names[1], "w": names[0], "e": names[1]}) from None
    return out.reshape(batch + out.shape[1:])


def gating(e: Any, w: Any, *, formula: str = "tian") -> np.ndarray:
    """E[x 1(e.x > 0) relu(w.x)] = 1/(2 pi) [(pi - theta) w + |w| sin(theta) e/|e|], theta = angle(e, w).

    e, w: vectors (d,) or batches (..., d) (broadcast against each other). Returns (..., d).
    formula: "tian" (correct) or a deliberately wrong variant ("sin-sign", "theta-swap", "lost-half", ...).
    """
    ea, wa = as_float_array(e, "e"), as_float_array(w, "w")
    for a, name in ((ea, "e"), (wa, "w")):
        if a.ndim == 0 or a.shape[-1] == 0:
            raise input_error(name, f"has shape {a.shape}; expected a vector (d,) or a batch (..., d)")
    # w is the case's student (1, d), e its teacher (1, d) (relumc::Case for gating)
    return _batch("gating", wa[..., None, :], ea[..., None, :], formula, names=("w", "e"))


def population_gradient(W: Any, W_star: Any, *, formula: str = "tian") -> np.ndarray:
    """E grad_W of 1/2 (g(x; W) - g(x; W*))^2 with g(x; W) = sum_j relu(w_j.x), x ~ N(0, I_d).

    W: student rows (K, d), or one vector (d,), with optional leading batch axes (..., K, d);
    W_star: teacher rows (K*, d) or (d,), batch axes broadcast against W's.
    Returns (..., K, d), or (..., d) when W was one vector. K = K* = 1 is paper Eq. 6; otherwise the sums of
    gating terms (docs/mathematics.md, closed form 3).
    """
    Wa, single = _units(W, "W")
    Sa, _ = _units(W_star, "W_star")
    out = _batch("grad", Wa, Sa, formula)
    out = out.reshape(out.shape[:-1] + Wa.shape[-2:])
    return out[..., 0, :] if single else out


def population_loss(W: Any, W_star: Any, *, formula: str = "tian") -> Union[float, np.ndarray]:
    """E 1/2 (g(x; W) - g(x; W*))^2 (arc-cosine kernel sums; docs/mathematics.md, closed form 4).

    W, W_star as in population_gradient. Returns a float, or an array of the batch shape.
    """
    Wa, _ = _units(W, "W")
    Sa, _ = _units(W_star, "W_star")
    out = _batch("loss", Wa, Sa, formula)[..., 0]
    return float(out) if out.ndim == 0 else out


def hessian(W: Any, W_star: Any) -> np.ndarray:
    """The Hessian of J(W) = E 1/2 (g(x; W) - g(x; W*))^2 with respect to the student rows, in closed form
    (docs/landscape.md: off-diagonal blocks E[1(w_j.x > 0) 1(w_k.x > 0) x x^T], diagonal blocks I/2 plus the
    gate-boundary terms).

    W: student rows (K, d) (or (d,)), W_star: teacher rows (K*, d), with optional leading batch axes that
    broadcast. Returns (..., K d, K d), row-major over (j, component). A zero student row is a kink, where J has
    no Hessian: ValueError naming it.
    """
    Wa, _ = _units(W, "W")
    Sa, _ = _units(W_star, "W_star")
    if Wa.shape[-1] != Sa.shape[-1]:
        raise input_error("W_star", f"has d = {Sa.shape[-1]} but `W` has d = {Wa.shape[-1]}")
    try:
        batch = np.broadcast_shapes(Wa.shape[:-2], Sa.shape[:-2])
    except ValueError:
        raise input_error("W_star", f"batch axes {Sa.shape[:-2]} do not broadcast with `W`'s {Wa.shape[:-2]}") from None
    Wb = np.ascontiguousarray(np.broadcast_to(Wa, batch + Wa.shape[-2:])).reshape((-1,) + Wa.shape[-2:])
    Sb = np.ascontiguousarray(np.broadcast_to(Sa, batch + Sa.shape[-2:])).reshape((-1,) + Sa.shape[-2:])
    _check_rows(Sa, "W_star")
    try:
        out = _core.hessians(Wb, Sb)
    except _core.InputError as e:
        raise renamed(e) from None
    return out.reshape(batch + out.shape[1:])
