# SPDX-License-Identifier: MIT
"""Shared fixtures for the relumc Python tests (run by ./test.sh in a fresh virtual environment)."""
import os
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    """The relumc command line: $RELUMC_CLI, else build*/relumc in the source tree. ./test.sh sets
    RELUMC_CLI and RELUMC_REQUIRE_CLI=1, so there the comparisons with the CLI never skip."""
    candidates = [os.environ.get("RELUMC_CLI", "")] + [str(p) for p in sorted(ROOT.glob("build*/relumc"))]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    if os.environ.get("RELUMC_REQUIRE_CLI") == "1":
        pytest.fail("RELUMC_REQUIRE_CLI=1 but no relumc binary found (set RELUMC_CLI)")
    pytest.skip("no relumc binary built (set RELUMC_CLI to compare with the command line)")


def tian_gating(e, w):
    """Independent NumPy transcription of docs/mathematics.md, closed form 1 (acos, not relumc's atan2)."""
    e, w = np.asarray(e, float), np.asarray(w, float)
    ne, nw = np.linalg.norm(e), np.linalg.norm(w)
    theta = np.arccos(np.clip(e @ w / (ne * nw), -1, 1))
    return ((np.pi - theta) * w + nw * np.sin(theta) * e / ne) / (2 * np.pi)


def tian_gradient(W, Ws):
    """Closed form 3: E grad_j = sum_j' F(w_j, w_j') - sum_k F(w_j, w*_k)."""
    W, Ws = np.atleast_2d(W), np.atleast_2d(Ws)
    return np.array([sum(tian_gating(wj, wp) for wp in W) - sum(tian_gating(wj, s) for s in Ws) for wj in W])


def arccos_kernel(u, v):
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    theta = np.arccos(np.clip(u @ v / (nu * nv), -1, 1))
    return nu * nv / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))


def tian_loss(W, Ws):
    W, Ws = np.atleast_2d(W), np.atleast_2d(Ws)
    k = lambda A, B: sum(arccos_kernel(a, b) for a in A for b in B)  # noqa: E731
    return 0.5 * (k(W, W) - 2 * k(W, Ws) + k(Ws, Ws))


@pytest.fixture
def rng():
    return np.random.default_rng(20261205)
