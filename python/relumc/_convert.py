# SPDX-License-Identifier: MIT
"""Argument conversion and errors shared by the package: arrays in any form -> contiguous float64, and
errors that name the Python argument."""
from __future__ import annotations

import numbers
import re
from typing import Any, Dict, Optional

import numpy as np

from . import _core

InputError = _core.InputError


def input_error(field: str, detail: str) -> "InputError":
    """A relumc.InputError (a ValueError) whose message starts with the argument's name."""
    err = InputError(f"`{field}` {detail}")
    err.field = field
    return err


# The library names its fields as the CLI and the library see them; the Python API has its own names.
_FIELD_NAMES = {"student": "W", "teacher": "W_star", "samples": "samples", "angle": "angles"}


def renamed(err: Exception, names: Optional[Dict[str, str]] = None) -> "InputError":
    """The library's InputError with its field names turned into the Python arguments' names."""
    names = {**_FIELD_NAMES, **(names or {})}
    msg = str(err)
    field = getattr(err, "field", "") or ""
    # Messages that name no field start with the thing that is wrong ("student row 0 is ...").
    if not field:
        for key in sorted(names, key=len, reverse=True):
            if msg.startswith(key) and (len(msg) == len(key) or not (msg[len(key)].isalnum() or msg[len(key)] in "._")):
                field = names[key]
                msg = f"`{field}`" + msg[len(key):]
                break
    elif field in names:
        field = names[field]
    msg = re.sub(r"`([\w.]+)`", lambda m: f"`{names.get(m.group(1), m.group(1))}`", msg)
    out = InputError(msg)
    out.field = field
    return out


def as_float_array(x: Any, name: str) -> np.ndarray:
    """x (a NumPy array, a list, a PyTorch/JAX array, float32, non-contiguous, ...) as a C-contiguous float64
    array. TypeError when it holds no real numbers, ValueError when a number is NaN or infinite."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"`{name}` must be an array of real numbers, not {type(x).__name__}")
    try:
        a = np.asarray(x)
    except Exception:  # e.g. a torch tensor that requires grad, or one on a GPU
        detach = getattr(x, "detach", None)
        if detach is None:
            raise TypeError(f"`{name}` cannot be converted to an array ({type(x).__name__})") from None
        a = np.asarray(detach().cpu())
    if a.dtype == object:
        raise TypeError(f"`{name}` must be an array of real numbers (ragged or non-numeric: dtype object)")
    if a.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be an array of real numbers, not dtype {a.dtype}")
    a = np.asarray(a, dtype=np.float64, order="C")  # (ascontiguousarray would make a scalar 1-d)
    if not np.all(np.isfinite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise input_error(name, f"element {bad} is {a[bad]} (must be finite)")
    return a


def as_count(n: Any, name: str, minimum: int = 0) -> int:
    """An integer count given as int, integral float (1e7) or numpy scalar."""
    if isinstance(n, bool) or not isinstance(n, numbers.Real):
        raise TypeError(f"`{name}` must be a number, not {type(n).__name__}")
    if isinstance(n, numbers.Integral):
        v = int(n)
    else:
        f = float(n)
        if not np.isfinite(f) or f != np.floor(f):
            raise input_error(name, f"{n} is not a whole number")
        if f >= 2.0**64:
            raise input_error(name, f"{n} is beyond the 2^64 samples one stream can address")
        v = int(f)
    if v < minimum:
        raise input_error(name, f"{v} (must be >= {minimum})")
    if v >= 2**64:
        raise input_error(name, f"{v} is beyond 2^64 - 1")
    return v


def as_counts(ns: Any, name: str, minimum: int = 0) -> list:
    if isinstance(ns, (numbers.Real, np.generic)) and not isinstance(ns, bool):
        return [as_count(ns, name, minimum)]
    try:
        items = list(ns)
    except TypeError:
        raise TypeError(f"`{name}` must be a number or a list of numbers, not {type(ns).__name__}") from None
    if not items:
        raise input_error(name, "is empty")
    return [as_count(n, name, minimum) for n in items]


def as_real(x: Any, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, not {type(x).__name__}")
    v = float(x)
    if not np.isfinite(v):
        raise input_error(name, f"{v} (must be finite)")
    return v


def as_reals(xs: Any, name: str) -> list:
    if isinstance(xs, numbers.Real) and not isinstance(xs, bool):
        return [as_real(xs, name)]
    try:
        items = list(xs)
    except TypeError:
        raise TypeError(f"`{name}` must be a number or a list of numbers, not {type(xs).__name__}") from None
    if not items:
        raise input_error(name, "is empty")
    return [as_real(x, name) for x in items]


def as_choice(x: Any, name: str, choices) -> str:
    if not isinstance(x, str):
        raise TypeError(f"`{name}` must be a string (one of {', '.join(choices)}), not {type(x).__name__}")
    if x not in choices:
        raise input_error(name, f"'{x}' is not one of {', '.join(choices)}")
    return x


def as_strings(xs: Any, name: str, choices) -> list:
    if isinstance(xs, str):
        xs = [x for x in xs.split(",") if x]
    try:
        items = list(xs)
    except TypeError:
        raise TypeError(f"`{name}` must be a string or a list of strings, not {type(xs).__name__}") from None
    if not items:
        raise input_error(name, "is empty")
    return [as_choice(x, name, choices) for x in items]


def as_int(x: Any, name: str, minimum: int = 0) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, not {type(x).__name__}")
    if int(x) < minimum:
        raise input_error(name, f"{int(x)} (must be >= {minimum})")
    return int(x)


def progress_callback(progress: Any, unit: str = "samples"):
    """None, a callable(done, total), or True (tqdm when installed, counting `unit`, else nothing)."""
    if progress is None or progress is False:
        return None
    if progress is True:
        try:
            from tqdm.auto import tqdm  # type: ignore
        except ImportError:
            return None
        bar: Dict[str, Any] = {}

        def update(done: int, total: int) -> None:
            if "bar" not in bar:
                bar["bar"] = tqdm(total=total, unit=unit, unit_scale=True)
            b = bar["bar"]
            b.update(done - b.n)
            if done >= total:
                b.close()

        return update
    if not callable(progress):
        raise TypeError(f"`progress` must be None, True or a callable(done, total), not {type(progress).__name__}")
    return progress
