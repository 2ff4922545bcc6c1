// SPDX-License-Identifier: MIT
// What the binding's files share: array types, conversions to NumPy, the library's parsers with the
// argument named, and run_watched (a run on a worker thread, the GIL released, signals and progress
// handled on the calling thread).
#pragma once

#include <relumc/relumc.hpp>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace relumc_py {

namespace nb = nanobind;

using relumc::Case;
using relumc::CaseResult;
using relumc::InputError;

template <int N>
using CArray = nb::ndarray<const double, nb::ndim<N>, nb::c_contig, nb::device::cpu>;

// A NumPy array that owns `v`.
template <class T>
nb::object to_numpy(std::vector<T> v, std::vector<size_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(heap->data(), shape.size(), shape.data(), owner).cast();
}

template <class T, class F>
T parse(const std::string& text, const char* field, F parser, const char* choices) {
  if (const auto v = parser(text)) return *v;
  throw InputError(field, "'" + text + "' is not one of " + choices);
}

inline relumc::Quantity parse_quantity(const std::string& s) {
  return parse<relumc::Quantity>(s, "quantity", relumc::parse_quantity, "gating, grad, loss");
}
inline relumc::Formula parse_formula(const std::string& s) {
  return parse<relumc::Formula>(s, "formula", relumc::parse_formula,
                                "tian, sin-sign, theta-swap, lost-half, norm-swap, unscaled");
}
inline relumc::InputKind parse_input(const std::string& s) {
  return parse<relumc::InputKind>(s, "input", relumc::parse_input, "gaussian, sphere, ball, cube");
}
inline relumc::Contract parse_contract(const std::string& s) {
  return parse<relumc::Contract>(s, "contract", relumc::parse_contract, "v1, v2");
}

// The shape of a case's quantity as NumPy sees it (gating (d,), grad (K, d), loss ()).
inline std::vector<size_t> numpy_shape(const Case& c) {
  std::vector<size_t> s;
  for (int64_t n : relumc::shape(c)) s.push_back(static_cast<size_t>(n));
  return s;
}

// ---- runs ----------------------------------------------------------------------------------------------

struct Watch {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
};

// Runs work(watch) on a worker thread, the GIL released; meanwhile the calling thread checks for signals
// and calls progress(done, total) every 0.1 s. A signal's Python exception (KeyboardInterrupt) or an
// exception from the callback stops the run at the next chunk boundary and is raised.
template <class R, class F>
R run_watched(F&& work, uint64_t total, const nb::object& progress) {
  Watch w;
  std::optional<R> result;
  std::exception_ptr error;
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread worker([&] {
    try {
      result.emplace(work(w));
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mu);
    finished = true;
    cv.notify_all();
  });
  bool python_error = false;
  const bool report = progress.is_valid() && !progress.is_none();
  for (;;) {
    bool done;
    {
      nb::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(mu);
      done = cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished; });
    }
    if (done) break;
    if (python_error) continue;
    if (PyErr_CheckSignals() != 0) {
      python_error = true;
      w.stop = true;
      continue;
    }
    if (report) {
      try {
        progress(w.done.load(), total);
      } catch (nb::python_error& e) {
        e.restore();
        python_error = true;
        w.stop = true;
      }
    }
  }
  worker.join();
  if (python_error) throw nb::python_error();
  if (error) std::rethrow_exception(error);
  if (report) progress(total, total);
  return std::move(*result);
}

void bind_verify(nb::module_& m);    // closed forms, cases, runs, samples (verify.cpp)
void bind_dynamics(nb::module_& m);  // gradient descent runs (dynamics.cpp)
void bind_landscape(nb::module_& m); // Hessian analysis, critical points, census (landscape.cpp)

}  // namespace relumc_py
