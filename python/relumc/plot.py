# SPDX-License-Identifier: MIT
"""Plotting helpers: each returns a matplotlib Figure (nothing is written; fig.savefig(path) when wanted)."""
from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from .results import VerifyResult


def convergence(results: Iterable[VerifyResult], ax: Any = None, title: Optional[str] = None):
    """|estimate - closed form| against N (log-log) with the N^-1/2 line through the first point and the
    root-mean-square standard error: the Monte Carlo error shrinking as theory says.

    results: VerifyResult objects at several N (e.g. list(relumc.verify_iter(...))). Needs matplotlib.
    """
    import matplotlib

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
    del matplotlib
    return fig
