// SPDX-License-Identifier: MIT
// relumc._core: the nanobind binding of the library's public API (include/relumc), nothing else.
//
// It converts types and releases the GIL; the logic is the library's: cases are relumc::Case (validate,
// build_grid), closed forms relumc::closed_form, estimates relumc::estimate, verdicts relumc::test_case and
// relumc::apply_holm, JSON relumc::results_json, samples relumc::draw_input_sample. The Python package
// (python/relumc/) turns these into the user-facing API (arrays in any form, result objects, errors naming
// the Python argument).
//
// Runs (run_cases) go on a worker thread with the GIL released; the calling thread wakes every 0.1 s to
// check for signals (PyErr_CheckSignals: Ctrl-C sets the engine's stop flag, the run stops at the next chunk
// boundary and KeyboardInterrupt is raised) and to call the optional progress callback.
//
// Files: common.hpp (shared helpers, run_watched), verify.cpp (closed forms, cases, runs, samples),
// dynamics.cpp (gradient descent), landscape.cpp (analysis, critical points, census); this file: the module, its exception and version.
#include "common.hpp"

namespace nb = nanobind;

namespace {
PyObject* g_input_error = nullptr;  // relumc._core.InputError (a ValueError with .field)
}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "relumc's C++ library (include/relumc), bound with nanobind; use the `relumc` package, not this module.";
  m.attr("__version__") = relumc::kVersion;
  m.attr("HAVE_CUDA") =
#ifdef RELUMC_HAVE_CUDA
      true;
#else
      false;
#endif

  g_input_error = PyErr_NewExceptionWithDoc("relumc._core.InputError",
                                            "Bad input; .field names the argument or setting that is wrong.",
                                            PyExc_ValueError, nullptr);
  m.attr("InputError") = nb::handle(g_input_error);
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const relumc::InputError& e) {
      nb::object exc = nb::borrow(g_input_error)(nb::str(e.what()));
      nb::setattr(exc, "field", nb::str(e.field().c_str()));
      PyErr_SetObject(g_input_error, exc.ptr());
    } catch (const relumc::Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });

  relumc_py::bind_verify(m);
  relumc_py::bind_dynamics(m);
  relumc_py::bind_landscape(m);
}
