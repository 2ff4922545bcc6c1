# SPDX-License-Identifier: MIT
"""The exact inputs x_i of the sample contract (include/relumc/math/sample_contract.hpp,
docs/sample-contract.md), so that a user's own model can run on the very samples relumc used."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _core
from ._convert import as_choice, as_count, as_int, as_real, input_error, renamed

_DTYPES = {np.dtype(np.float64): "float64", np.dtype(np.float32): "float32"}


def samples(seed: int, stream: int, start: int, count: int, d: int, contract: str = "v1", *,
            dtype: Any = np.float64, input: str = "gaussian", radius: Optional[float] = None) -> np.ndarray:
    """x_start, ..., x_{start+count-1} of stream `stream` under seed `seed`, as a (count, d) array.

    Sample i of stream s under seed S is a pure function of (S, s, i) (Philox4x32-10, relumc's own Box-Muller;
    docs/sample-contract.md): these are bit for bit the inputs that relumc.verify(..., seed=S, stream=s) and
    the engine's every backend draw. contract "v1" draws in the dtype asked for (float64: the reference;
    float32: v1's float normals, as precision="float" runs use); "v2" draws float normals (a float64 array
    holds them widened exactly). input: "gaussian" (default), "sphere", "ball" (radius) or "cube".
    """
    seed = as_int(seed, "seed", 0)
    if seed >= 2**64:
        raise input_error("seed", f"{seed} (must be < 2^64)")
    stream = as_int(stream, "stream", 0)
    if stream >= 2**32:
        raise input_error("stream", f"{stream} (must be < 2^32)")
    start = as_count(start, "start", 0)
    count = as_count(count, "count", 0)
    d = as_int(d, "d", 1)
    as_choice(contract, "contract", ("v1", "v2"))
    as_choice(input, "input", ("gaussian", "sphere", "ball", "cube"))
    try:
        dt = _DTYPES[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise input_error("dtype", f"{dtype!r} is not float64 or float32") from None
    try:
        return _core.samples(seed, stream, start, count, d, contract, dt, input,
                             None if radius is None else as_real(radius, "radius"))
    except _core.InputError as e:
        raise renamed(e) from None
