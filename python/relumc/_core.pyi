# SPDX-License-Identifier: MIT
# Type stubs of the extension module relumc._core (python/src/module.cpp). Users call the `relumc` package,
# whose Python modules carry their own annotations (py.typed); this file lets IDEs and mypy see the binding.
from typing import Callable, List, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

__version__: str
HAVE_CUDA: bool

class InputError(ValueError):
    """Bad input; .field names the argument or setting that is wrong."""
    field: str

class Case:
    quantity: str
    d: int
    K: int
    Kstar: int
    samples: int
    stream: int
    origin: str
    norm: float
    ratio: float
    radius: float
    angle: Optional[float]
    input: str
    measurement: bool
    shape: List[int]
    W: NDArray[np.float64]
    W_star: NDArray[np.float64]
    def closed_form(self, formula: str = "tian") -> NDArray[np.float64]: ...
    def replace(self, samples: Optional[int] = None, stream: Optional[int] = None) -> "Case": ...

class CaseResult:
    closed_form: NDArray[np.float64]
    mean: NDArray[np.float64]
    std_error: NDArray[np.float64]
    samples: int
    rel_error: float
    max_abs_z: float
    p_value: float
    p_holm: float
    passed: bool
    inconclusive: bool
    tail_error: float
    verdict: str
    test: str
    seconds: float
    measured: bool
    abs_deviation: float
    deviation_se: float

class Report:
    passed: bool
    seconds: float
    threads: int
    cpu_kernel: str
    backend: str
    backend_note: str
    seed: int
    alpha: float
    contract: str
    precision: str
    cases: List[Case]
    results: List[CaseResult]
    def to_json(self) -> str: ...
    def to_csv(self) -> str: ...

def hessians(W: NDArray[np.float64], W_star: NDArray[np.float64]) -> NDArray[np.float64]: ...
def closed_forms(quantity: str, W: NDArray[np.float64], W_star: NDArray[np.float64],
                 formula: str = "tian") -> NDArray[np.float64]: ...
def make_case(quantity: str, W: NDArray[np.float64], W_star: NDArray[np.float64], samples: int, stream: int = 0,
              input: str = "gaussian", radius: Optional[float] = None) -> Case: ...
def build_grid(quantities: Sequence[str], angles: Sequence[float], norms: Sequence[float], ratios: Sequence[float],
               dims: Sequence[int], units: Sequence[int], teacher_units: Sequence[int], random_cases: int,
               samples: Sequence[int], input: str, radius: Optional[float], seed: int) -> List[Case]: ...
def angle_steps(n: int) -> List[float]: ...
def run_cases(cases: Sequence[Case], closed_forms: Optional[Sequence[NDArray[np.float64]]] = None, seed: int = 1,
              threads: int = 0, precision: Optional[str] = None, contract: str = "v1", backend: str = "auto",
              cpu_kernel: str = "auto", alpha: float = 0.01, formula: str = "tian", test: str = "sidak",
              progress: Optional[Callable[[int, int], None]] = None) -> Report: ...
def samples(seed: int, stream: int, start: int, count: int, d: int, contract: str = "v1", dtype: str = "float64",
            input: str = "gaussian", radius: Optional[float] = None) -> NDArray[np.floating]: ...
def normal_two_sided_p(z: float) -> float: ...
def run_dynamics(teacher: NDArray[np.float64], K: int, init: str, init_std: float, init_radius: float,
                 W0: Optional[NDArray[np.float64]], init_x: float, init_y: float, init_delta: float, lr: float,
                 steps: int, batch: int, compare_population: bool, record_every: int, runs: int, seed: int,
                 contract: str, threads: int, formula: str, recover_tol: float, stall_tol: float,
                 stop_when_recovered: bool, progress: Optional[Callable[[int, int], None]]) -> dict: ...
def orthonormal_teacher(K_star: int, d: int, scale: float = 1.0) -> NDArray[np.float64]: ...
def analyze(W: NDArray[np.float64], W_star: NDArray[np.float64], eigen_tol: float, gradient_tol: float,
            mc_samples: int, seed: int, alpha: float, threads: int) -> dict: ...
def critical_point(W0: NDArray[np.float64], W_star: NDArray[np.float64], max_iterations: int, gradient_tol: float,
                   eigen_tol: float, kink_tol: float, mc_samples: int, seed: int, alpha: float,
                   threads: int) -> dict: ...
def census(k: int, K: int, d: int, runs: int, seed: int, init: str, lr: float, max_steps: int, switch_tol: float,
           spurious_loss: float, escape_saddles: bool, max_escapes: int, escape_step: float, max_iterations: int,
           gradient_tol: float, eigen_tol: float, kink_tol: float, mc_samples: int, alpha: float, threads: int,
           progress: Optional[Callable[[int, int], None]]) -> dict: ...
