# SPDX-License-Identifier: MIT
"""Plotting helpers: each returns a matplotlib Figure (nothing is written; fig.savefig(path) when wanted)."""
from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from .results import VerifyResult


def convergence(results: Iterable[VerifyResult], ax: Any = None, title: Optional[str] = None):
    """|estimate - closed form| against N (log-log), beside the standard error (Euclidean over components) and
    the N^-1/2 line through its first point: the Monte Carlo error shrinking as theory says.

    results: VerifyResult objects at several N (e.g. list(relumc.verify_iter(...))). Needs matplotlib.
    """
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(5.5, 4))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    rs = sorted(results, key=lambda r: r.samples)
    if not rs:
        raise ValueError("`results` is empty")
    n = np.array([r.samples for r in rs], dtype=float)
    err = np.array([np.linalg.norm(np.ravel(r.estimate - r.closed_form)) for r in rs])
    se = np.array([np.linalg.norm(np.ravel(r.stderr)) for r in rs])
    ax.loglog(n, err, "o-", label="|MC - closed form|")
    ax.loglog(n, se, "s--", alpha=0.7, label="standard error (Euclidean)")
    ax.loglog(n, se[0] * np.sqrt(n[0] / n), ":", color="gray", label=r"$N^{-1/2}$")
    ax.set_xlabel("samples N")
    ax.set_ylabel("error")
    ax.set_title(title or f"{rs[0].quantity}: closed form vs Monte Carlo (contract {rs[0].contract})")
    ax.legend()
    return fig


def rel_error_vs_angle(results: Iterable[VerifyResult], quantity: Optional[str] = None, ax: Any = None):
    """Relative error against the angle, one line per (N, d), for the cases of one quantity of a sweep
    (relumc.verify_grid): what `relumc verify --plot` draws as rel_error_vs_angle.png. Cases without an angle
    or with an undefined relative error are left out. Returns a matplotlib Figure."""
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6, 4))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    rs = [r for r in results if r.angle is not None and r.rel_error is not None]
    if quantity is None and rs:
        quantity = rs[0].quantity
    rs = [r for r in rs if r.quantity == quantity]
    if not rs:
        raise ValueError("`results` holds no case with an angle and a defined relative error"
                         + (f" for quantity {quantity!r}" if quantity else ""))
    for key in sorted({(r.samples, r.d) for r in rs}):
        line = sorted((r.angle, r.rel_error) for r in rs if (r.samples, r.d) == key)
        ax.semilogy([a for a, _ in line], [e for _, e in line], "o-", label=f"N={key[0]:.0e}, d={key[1]}")
    ax.set_xlabel("angle (rad)")
    ax.set_ylabel("relative error")
    ax.set_title(f"{quantity}: |MC - closed form| / |closed form|")
    ax.legend(fontsize="small")
    return fig
