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
#include <cstring>
#include <exception>
#include <algorithm>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using relumc::Case;
using relumc::CaseResult;
using relumc::InputError;

template <int N>
using CArray = nb::ndarray<const double, nb::ndim<N>, nb::c_contig, nb::device::cpu>;

PyObject* g_input_error = nullptr;  // relumc._core.InputError (a ValueError with .field)

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

relumc::Quantity parse_quantity(const std::string& s) {
  return parse<relumc::Quantity>(s, "quantity", relumc::parse_quantity, "gating, grad, loss");
}
relumc::Formula parse_formula(const std::string& s) {
  return parse<relumc::Formula>(s, "formula", relumc::parse_formula,
                                "tian, sin-sign, theta-swap, lost-half, norm-swap, unscaled");
}
relumc::InputKind parse_input(const std::string& s) {
  return parse<relumc::InputKind>(s, "input", relumc::parse_input, "gaussian, sphere, ball, cube");
}
relumc::Contract parse_contract(const std::string& s) {
  return parse<relumc::Contract>(s, "contract", relumc::parse_contract, "v1, v2");
}

// The shape of a case's quantity as NumPy sees it (gating (d,), grad (K, d), loss ()).
std::vector<size_t> numpy_shape(const Case& c) {
  std::vector<size_t> s;
  for (int64_t n : relumc::shape(c)) s.push_back(static_cast<size_t>(n));
  return s;
}

// ---- closed forms over a leading batch axis ------------------------------------------------------------

// A case for one batch item (validated by the library: finite numbers, nonzero rows).
Case batch_case(relumc::Quantity q, const double* W, int64_t K, const double* Ws, int64_t Ks, int64_t d) {
  Case c;
  c.quantity = q;
  c.d = d;
  c.K = K;
  c.Kstar = Ks;
  c.student.assign(W, W + K * d);
  c.teacher.assign(Ws, Ws + Ks * d);
  c.samples = 2;  // not used: validate() wants a count a run could take
  relumc::validate(c);
  return c;
}

// W: (B, K, d) students (gating: w as (B, 1, d)); Ws: (B, K*, d) teachers (gating: e). Returns (B, m).
nb::object closed_forms(const std::string& quantity, CArray<3> W, CArray<3> Ws, const std::string& formula) {
  const relumc::Quantity q = parse_quantity(quantity);
  const relumc::Formula f = parse_formula(formula);
  const size_t B = W.shape(0);
  const int64_t K = static_cast<int64_t>(W.shape(1)), Ks = static_cast<int64_t>(Ws.shape(1));
  const int64_t d = static_cast<int64_t>(W.shape(2));
  if (Ws.shape(0) != B || static_cast<int64_t>(Ws.shape(2)) != d)
    throw InputError("W_star", "has shape (" + std::to_string(Ws.shape(0)) + ", " + std::to_string(Ks) + ", " +
                                   std::to_string(Ws.shape(2)) + "), not matching W's batch and d");
  const int64_t m = q == relumc::Quantity::Loss ? 1 : (q == relumc::Quantity::Gating ? d : K * d);
  std::vector<double> out(B * static_cast<size_t>(m));
  const double* pw = W.data();
  const double* ps = Ws.data();
  {
    nb::gil_scoped_release release;
    for (size_t b = 0; b < B; ++b) {
      const Case c = batch_case(q, pw + b * K * d, K, ps + b * Ks * d, Ks, d);
      const std::vector<double> cf = relumc::closed_form(c, f);
      std::memcpy(out.data() + b * m, cf.data(), sizeof(double) * cf.size());
    }
  }
  return to_numpy(std::move(out), {B, static_cast<size_t>(m)});
}

// ---- cases ---------------------------------------------------------------------------------------------

nb::object rows(const std::vector<double>& m, int64_t rows, int64_t d, bool vector) {
  if (vector) return to_numpy(m, {static_cast<size_t>(d)});
  return to_numpy(m, {static_cast<size_t>(rows), static_cast<size_t>(d)});
}

// A case from user weights, as the weights file makes one (relumc/plan/weights_file.hpp): origin "weights",
// |w| and the angle recorded for the tables; gating takes w as W (1 x d) and e as W_star (1 x d).
Case make_case(const std::string& quantity, CArray<2> W, CArray<2> Ws, uint64_t samples, uint32_t stream,
               const std::string& input, std::optional<double> radius) {
  Case c;
  c.quantity = parse_quantity(quantity);
  c.origin = "weights";
  c.d = static_cast<int64_t>(W.shape(1));
  c.K = static_cast<int64_t>(W.shape(0));
  c.Kstar = static_cast<int64_t>(Ws.shape(0));
  if (static_cast<int64_t>(Ws.shape(1)) != c.d)
    throw InputError("W_star", "rows have d = " + std::to_string(Ws.shape(1)) + " but W's rows have d = " +
                                   std::to_string(c.d));
  c.student.assign(W.data(), W.data() + c.K * c.d);
  c.teacher.assign(Ws.data(), Ws.data() + c.Kstar * c.d);
  c.samples = samples;
  c.stream = stream;
  c.input = parse_input(input);
  c.radius = relumc::input_radius(c.input, radius);
  relumc::validate(c);
  c.norm = relumc::norm(c.student.data(), c.d);
  if (c.quantity == relumc::Quantity::Gating || (c.K == 1 && c.Kstar == 1))
    c.angle = relumc::angle(c.teacher.data(), c.student.data(), c.d);
  return c;
}

std::vector<Case> build_grid(const std::vector<std::string>& quantities, const std::vector<double>& angles,
                             const std::vector<double>& norms, const std::vector<double>& ratios,
                             const std::vector<int64_t>& dims, const std::vector<int64_t>& units,
                             const std::vector<int64_t>& teacher_units, int random_cases,
                             const std::vector<uint64_t>& samples, const std::string& input,
                             std::optional<double> radius, uint64_t seed) {
  relumc::GridSpec spec;
  spec.quantities.clear();
  for (const std::string& q : quantities) spec.quantities.push_back(parse_quantity(q));
  spec.angles = angles;
  spec.norms = norms;
  spec.ratios = ratios;
  spec.dims = dims;
  spec.units = units;
  spec.teacher_units = teacher_units;
  spec.random_cases = random_cases;
  spec.samples = samples;
  spec.input = parse_input(input);
  spec.radius = radius;
  return relumc::build_grid(spec, seed);
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

struct Report {
  relumc::VerifyReport rep;
  std::string backend_note;
};

Report run_cases(std::vector<Case> cases, std::optional<std::vector<CArray<1>>> user_forms, uint64_t seed,
                 int threads, std::optional<std::string> precision, const std::string& contract,
                 const std::string& backend, const std::string& cpu_kernel, double alpha, const std::string& formula,
                 const nb::object& progress) {
  if (cases.empty()) throw InputError("cases", "is empty: nothing to verify");
  relumc::VerifyOptions opt;
  opt.seed = seed;
  if (threads < 0) throw InputError("threads", std::to_string(threads) + " (must be >= 0; 0: all cores)");
  opt.threads = threads;
  opt.contract = parse_contract(contract);
  opt.precision = precision ? parse<relumc::Precision>(*precision, "precision", relumc::parse_precision,
                                                       "float, double")
                            : relumc::default_precision(opt.contract);
  opt.alpha = alpha;
  opt.formula = parse_formula(formula);
  opt.cpu_kernel = parse<relumc::CpuKernel>(cpu_kernel, "cpu_kernel", relumc::parse_cpu_kernel, "auto, simd, scalar");
  const relumc::Backend requested =
      parse<relumc::Backend>(backend, "backend", relumc::parse_backend, "auto, cpu, cuda");
  Report out;
  opt.backend = relumc::resolve_backend(requested, &out.backend_note, cases.front().input);
  relumc::check_verify_options(opt);
  for (const Case& c : cases) relumc::validate(c);
  relumc::check_contract_cases(opt, cases);
  // The user's closed forms (relumc.check): copied under the GIL, one per case, of the case's size.
  std::vector<std::vector<double>> forms;
  if (user_forms) {
    if (user_forms->size() != cases.size())
      throw InputError("closed_forms", std::to_string(user_forms->size()) + " arrays for " +
                                           std::to_string(cases.size()) + " cases");
    for (size_t k = 0; k < cases.size(); ++k) {
      const CArray<1>& a = (*user_forms)[k];
      if (static_cast<int64_t>(a.shape(0)) != relumc::components(cases[k]))
        throw InputError("closed_forms", "case " + std::to_string(k) + ": " + std::to_string(a.shape(0)) +
                                             " numbers, expected " + std::to_string(relumc::components(cases[k])));
      forms.emplace_back(a.data(), a.data() + a.shape(0));
    }
  }
  uint64_t total = 0;
  for (const Case& c : cases) total += c.samples;
  if (opt.backend == relumc::Backend::Cpu) relumc::cpu_kernel_name(opt.cpu_kernel);  // refuses simd without FMA

  // The steps of relumc::run_verification (relumc/run/verify.hpp) without a journal, with the progress
  // counter and stop flag of this call: closed form, estimate, test per case, then Holm.
  out.rep = run_watched<relumc::VerifyReport>(
      [&](Watch& w) {
        const auto start = std::chrono::steady_clock::now();
        relumc::VerifyReport rep;
        rep.options = opt;
        rep.cases = cases;
#ifdef _OPENMP
        rep.threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
#endif
        if (opt.backend == relumc::Backend::Cpu) rep.cpu_kernel = relumc::cpu_kernel_name(opt.cpu_kernel);
        relumc::EstimateOptions eo = relumc::estimate_options(opt, &w.done);
        eo.stop = &w.stop;
        for (size_t k = 0; k < rep.cases.size(); ++k) {
          const Case& c = rep.cases[k];
          const std::vector<double> cf = forms.empty() ? relumc::closed_form(c, opt.formula) : forms[k];
          const auto t0 = std::chrono::steady_clock::now();
          const relumc::Estimate e = relumc::estimate(c, eo, opt.backend);
          CaseResult r = relumc::test_case(c, cf, e, opt.precision);
          r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          rep.results.push_back(std::move(r));
        }
        rep.passed = relumc::apply_holm(rep.results, opt.alpha);
        rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return rep;
      },
      total, progress);
  return out;
}

// ---- samples -------------------------------------------------------------------------------------------

// x_start .. x_{start+count-1} of (seed, stream) under the contract, as a (count, d) array.
nb::object samples(uint64_t seed, uint32_t stream, uint64_t start, uint64_t count, int64_t d,
                   const std::string& contract, const std::string& dtype, const std::string& input,
                   std::optional<double> radius) {
  const relumc::Contract k = parse_contract(contract);
  const relumc::InputKind in = parse_input(input);
  const double r = relumc::input_radius(in, radius);
  if (d < 1) throw InputError("d", std::to_string(d) + " (must be >= 1)");
  if (dtype != "float64" && dtype != "float32") throw InputError("dtype", "'" + dtype + "' is not float64 or float32");
  if (count > 0 && start > relumc::kMaxSamples - (count - 1))
    throw InputError("count", "start + count exceeds the 2^64 samples one stream addresses");
  if (count > (uint64_t{1} << 40) / static_cast<uint64_t>(d))
    throw InputError("count", std::to_string(count) + " x d = " + std::to_string(d) + " numbers is too many to return");
  const size_t n = static_cast<size_t>(count) * static_cast<size_t>(d);
  const std::vector<size_t> shape{static_cast<size_t>(count), static_cast<size_t>(d)};
  // v1 draws in the precision asked for; v2 draws float (a float64 array holds them widened exactly).
  const bool as_float = dtype == "float32" || k == relumc::Contract::V2;
  std::vector<float> xf(as_float ? n : 0);
  std::vector<double> xd(as_float ? 0 : n);
  {
    nb::gil_scoped_release release;
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < static_cast<int64_t>(count); ++t) {
      const uint64_t i = start + static_cast<uint64_t>(t);
      if (k == relumc::Contract::V2)
        relumc::draw_input_sample_v2(in, r, seed, stream, i, d, xf.data() + t * d);
      else if (as_float)
        relumc::draw_input_sample<float>(in, r, seed, stream, i, d, xf.data() + t * d);
      else
        relumc::draw_input_sample<double>(in, r, seed, stream, i, d, xd.data() + t * d);
    }
  }
  if (dtype == "float32") return to_numpy(std::move(xf), shape);
  if (as_float) xd.assign(xf.begin(), xf.end());
  return to_numpy(std::move(xd), shape);
}

// ---- dynamics -------------------------------------------------------------------------------------------

// Gradient descent on the student (relumc::run_dynamics), every run's records as arrays: a dict of NumPy
// arrays and lists that relumc.dynamics wraps. Steps a run did not reach (a population run stops at a fixed
// point) hold NaN.
nb::dict run_dynamics(CArray<2> teacher, int64_t K, const std::string& init, double init_std, double init_radius,
                      std::optional<CArray<2>> W0, double init_x, double init_y, double init_delta, double lr,
                      int64_t steps, int64_t batch, bool compare_population, int64_t record_every, int64_t runs,
                      uint64_t seed, const std::string& contract, int threads, const std::string& formula,
                      double recover_tol, double stall_tol, bool stop_when_recovered, const nb::object& progress) {
  relumc::DynamicsSpec s;
  s.Kstar = static_cast<int64_t>(teacher.shape(0));
  s.d = static_cast<int64_t>(teacher.shape(1));
  s.K = K;
  s.teacher.assign(teacher.data(), teacher.data() + s.Kstar * s.d);
  bool known = false;
  for (relumc::InitKind k : {relumc::InitKind::Gaussian, relumc::InitKind::Ball, relumc::InitKind::Weights,
                             relumc::InitKind::Symmetric})
    if (init == relumc::to_string(k)) s.init.kind = k, known = true;
  if (!known) throw InputError("init", "'" + init + "' is not one of gaussian, ball, weights, symmetric");
  s.init.std = init_std;
  s.init.radius = init_radius;
  if (W0) {
    if (static_cast<int64_t>(W0->shape(1)) != s.d)
      throw InputError("W0", "rows have d = " + std::to_string(W0->shape(1)) + " but the teacher's have d = " +
                                 std::to_string(s.d));
    s.init.weights.assign(W0->data(), W0->data() + W0->shape(0) * W0->shape(1));
  }
  s.init.x = init_x;
  s.init.y = init_y;
  s.init.delta = init_delta;
  s.lr = lr;
  s.steps = steps;
  s.batch = batch;
  s.compare_population = compare_population;
  s.runs = runs;
  s.seed = seed;
  s.contract = parse_contract(contract);
  if (threads < 0) throw InputError("threads", std::to_string(threads) + " (must be >= 0; 0: all cores)");
  s.threads = threads;
  s.formula = parse_formula(formula);
  s.recover_tol = recover_tol;
  s.stall_tol = stall_tol;
  s.stop_when_recovered = stop_when_recovered;
  if (record_every < 1) throw InputError("record_every", std::to_string(record_every) + " (must be >= 1)");
  if (steps < 0) throw InputError("steps", std::to_string(steps) + " (must be >= 0)");
  s.record_steps = relumc::record_schedule(steps, record_every);
  relumc::validate(s);
  const uint64_t total = static_cast<uint64_t>(runs) * static_cast<uint64_t>(steps);
  // run_dynamics has no stop flag: Ctrl-C is raised when it returns.
  std::vector<relumc::RunResult> res = run_watched<std::vector<relumc::RunResult>>(
      [&](Watch& w) { return relumc::run_dynamics(s, &w.done); }, total, progress);

  const size_t R = res.size(), n = s.record_steps.size(), Ku = static_cast<size_t>(s.K), d = static_cast<size_t>(s.d);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> start(R * Ku * d), final_w(R * Ku * d), loss(R * n, nan), grad(R * n, nan), dist(R * n * Ku, nan),
      gap(R * n, nan), end_loss(R), end_grad(R), max_gap(R), final_gap(R);
  std::vector<int64_t> steps_run(R), to_recover(R);
  nb::list outcome, note;
  for (size_t r = 0; r < R; ++r) {
    const relumc::RunResult& x = res[r];
    std::copy(x.start.begin(), x.start.end(), start.begin() + r * Ku * d);
    std::copy(x.final_weights.begin(), x.final_weights.end(), final_w.begin() + r * Ku * d);
    for (const relumc::Snapshot& snap : x.records) {
      const auto it = std::lower_bound(s.record_steps.begin(), s.record_steps.end(), snap.step);
      if (it == s.record_steps.end() || *it != snap.step) continue;
      const size_t i = static_cast<size_t>(it - s.record_steps.begin());
      loss[r * n + i] = snap.loss;
      grad[r * n + i] = snap.grad_norm;
      gap[r * n + i] = snap.gap;
      for (size_t j = 0; j < Ku && j < snap.dist.size(); ++j) dist[(r * n + i) * Ku + j] = snap.dist[j];
    }
    end_loss[r] = x.end.loss;
    end_grad[r] = x.end.grad_norm;
    max_gap[r] = x.max_gap;
    final_gap[r] = x.final_gap;
    steps_run[r] = x.steps_run;
    to_recover[r] = x.steps_to_recover;
    outcome.append(std::string(relumc::to_string(x.end.outcome)));
    note.append(x.end.note);
  }
  nb::dict out;
  out["record_steps"] = to_numpy(s.record_steps, {n});
  out["start"] = to_numpy(std::move(start), {R, Ku, d});
  out["final"] = to_numpy(std::move(final_w), {R, Ku, d});
  out["loss"] = to_numpy(std::move(loss), {R, n});
  out["grad_norm"] = to_numpy(std::move(grad), {R, n});
  out["dist"] = to_numpy(std::move(dist), {R, n, Ku});
  out["gap"] = to_numpy(std::move(gap), {R, n});
  out["final_loss"] = to_numpy(std::move(end_loss), {R});
  out["final_grad_norm"] = to_numpy(std::move(end_grad), {R});
  out["max_gap"] = to_numpy(std::move(max_gap), {R});
  out["final_gap"] = to_numpy(std::move(final_gap), {R});
  out["steps_run"] = to_numpy(std::move(steps_run), {R});
  out["steps_to_recover"] = to_numpy(std::move(to_recover), {R});
  out["outcome"] = outcome;
  out["note"] = note;
  return out;
}

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
    } catch (const InputError& e) {
      nb::object exc = nb::borrow(g_input_error)(nb::str(e.what()));
      nb::setattr(exc, "field", nb::str(e.field().c_str()));
      PyErr_SetObject(g_input_error, exc.ptr());
    } catch (const relumc::Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });

  m.def("closed_forms", &closed_forms, "quantity"_a, "W"_a, "W_star"_a, "formula"_a = "tian",
        "Closed forms of a batch: W (B, K, d), W_star (B, K*, d) -> (B, m).");

  nb::class_<Case>(m, "Case", "One verification case (relumc::Case).")
      .def_prop_ro("quantity", [](const Case& c) { return std::string(relumc::to_string(c.quantity)); })
      .def_ro("d", &Case::d)
      .def_ro("K", &Case::K)
      .def_ro("Kstar", &Case::Kstar)
      .def_ro("samples", &Case::samples)
      .def_ro("stream", &Case::stream)
      .def_ro("origin", &Case::origin)
      .def_ro("norm", &Case::norm)
      .def_ro("ratio", &Case::ratio)
      .def_ro("radius", &Case::radius)
      .def_prop_ro("angle", [](const Case& c) { return c.angle < 0 ? std::optional<double>() : c.angle; })
      .def_prop_ro("input", [](const Case& c) { return std::string(relumc::to_string(c.input)); })
      .def_prop_ro("measurement", [](const Case& c) { return relumc::is_measurement(c); })
      .def_prop_ro("shape", [](const Case& c) { return numpy_shape(c); })
      .def_prop_ro("W", [](const Case& c) {
        return rows(c.student, c.K, c.d, c.quantity == relumc::Quantity::Gating);
      }, "student rows (K, d); gating: w (d,)")
      .def_prop_ro("W_star", [](const Case& c) {
        return rows(c.teacher, c.Kstar, c.d, c.quantity == relumc::Quantity::Gating);
      }, "teacher rows (K*, d); gating: e (d,)")
      .def("closed_form", [](const Case& c, const std::string& formula) {
        return to_numpy(relumc::closed_form(c, parse_formula(formula)), numpy_shape(c));
      }, "formula"_a = "tian")
      .def("replace", [](const Case& c, std::optional<uint64_t> samples, std::optional<uint32_t> stream) {
        Case r = c;
        if (samples) r.samples = *samples;
        if (stream) r.stream = *stream;
        relumc::validate(r);
        return r;
      }, "samples"_a = nb::none(), "stream"_a = nb::none());

  m.def("make_case", &make_case, "quantity"_a, "W"_a, "W_star"_a, "samples"_a, "stream"_a = 0,
        "input"_a = "gaussian", "radius"_a = nb::none());
  m.def("build_grid", &build_grid, "quantities"_a, "angles"_a, "norms"_a, "ratios"_a, "dims"_a, "units"_a,
        "teacher_units"_a, "random_cases"_a, "samples"_a, "input"_a, "radius"_a, "seed"_a);
  m.def("angle_steps", &relumc::angle_steps, "n"_a);

  nb::class_<CaseResult>(m, "CaseResult", "The test of one case (relumc::CaseResult).")
      .def_prop_ro("closed_form", [](const CaseResult& r) { return to_numpy(r.closed_form, {r.closed_form.size()}); })
      .def_prop_ro("mean", [](const CaseResult& r) { return to_numpy(r.estimate.mean, {r.estimate.mean.size()}); })
      .def_prop_ro("std_error",
                   [](const CaseResult& r) { return to_numpy(r.estimate.std_error, {r.estimate.std_error.size()}); })
      .def_prop_ro("samples", [](const CaseResult& r) { return r.estimate.samples; })
      .def_ro("rel_error", &CaseResult::rel_error)
      .def_ro("max_abs_z", &CaseResult::max_abs_z)
      .def_ro("p_value", &CaseResult::p_value)
      .def_ro("p_holm", &CaseResult::p_holm)
      .def_ro("passed", &CaseResult::passed)
      .def_ro("seconds", &CaseResult::seconds)
      .def_ro("measured", &CaseResult::measured)
      .def_ro("abs_deviation", &CaseResult::abs_deviation)
      .def_ro("deviation_se", &CaseResult::deviation_se);

  nb::class_<Report>(m, "Report", "A verification run (relumc::VerifyReport).")
      .def_prop_ro("passed", [](const Report& r) { return r.rep.passed; })
      .def_prop_ro("seconds", [](const Report& r) { return r.rep.seconds; })
      .def_prop_ro("threads", [](const Report& r) { return r.rep.threads; })
      .def_prop_ro("cpu_kernel", [](const Report& r) { return r.rep.cpu_kernel; })
      .def_prop_ro("backend", [](const Report& r) { return std::string(relumc::to_string(r.rep.options.backend)); })
      .def_prop_ro("backend_note", [](const Report& r) { return r.backend_note; })
      .def_prop_ro("seed", [](const Report& r) { return r.rep.options.seed; })
      .def_prop_ro("alpha", [](const Report& r) { return r.rep.options.alpha; })
      .def_prop_ro("contract", [](const Report& r) { return std::string(relumc::to_string(r.rep.options.contract)); })
      .def_prop_ro("precision",
                   [](const Report& r) { return std::string(relumc::to_string(r.rep.options.precision)); })
      .def_prop_ro("cases", [](const Report& r) { return r.rep.cases; })
      .def_prop_ro("results", [](const Report& r) { return r.rep.results; })
      .def("to_json", [](const Report& r) { return relumc::results_json(r.rep, r.backend_note); })
      .def("to_csv", [](const Report& r) { return relumc::results_csv(r.rep); });

  m.def("run_cases", &run_cases, "cases"_a, "closed_forms"_a = nb::none(), "seed"_a = 1, "threads"_a = 0,
        "precision"_a = nb::none(), "contract"_a = "v1", "backend"_a = "auto", "cpu_kernel"_a = "auto",
        "alpha"_a = 0.01, "formula"_a = "tian", "progress"_a = nb::none());
  m.def("samples", &samples, "seed"_a, "stream"_a, "start"_a, "count"_a, "d"_a, "contract"_a = "v1",
        "dtype"_a = "float64", "input"_a = "gaussian", "radius"_a = nb::none());
  m.def("run_dynamics", &run_dynamics, "teacher"_a, "K"_a, "init"_a, "init_std"_a, "init_radius"_a, "W0"_a.none(),
        "init_x"_a, "init_y"_a, "init_delta"_a, "lr"_a, "steps"_a, "batch"_a, "compare_population"_a,
        "record_every"_a, "runs"_a, "seed"_a, "contract"_a, "threads"_a, "formula"_a, "recover_tol"_a, "stall_tol"_a,
        "stop_when_recovered"_a, "progress"_a.none());
  m.def("orthonormal_teacher", [](int64_t Kstar, int64_t d, double scale) {
    if (Kstar < 1 || d < Kstar) throw InputError("K_star", "an orthonormal teacher needs 1 <= K* <= d");
    return to_numpy(relumc::orthonormal_teacher(Kstar, d, scale), {static_cast<size_t>(Kstar), static_cast<size_t>(d)});
  }, "K_star"_a, "d"_a, "scale"_a = 1.0);
  m.def("normal_two_sided_p", &relumc::normal_two_sided_p, "z"_a);
}
