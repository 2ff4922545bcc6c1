// SPDX-License-Identifier: MIT
// Closed forms over a batch, cases (user weights, grids), verification runs and the sample contract's x_i,
// bound for relumc._core: relumc::closed_form, relumc::estimate, relumc::test_case, relumc::apply_holm,
// relumc::results_json and relumc::draw_input_sample do the work.
#include "common.hpp"

#include <cstring>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relumc_py {

using namespace nb::literals;

namespace {

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

// The closed-form Hessian of the loss (relumc/landscape/hessian.hpp) of a batch: (B, K d, K d). Zero rows
// (kinks, where J has no Hessian) are refused, naming the row.
nb::object hessians(CArray<3> W, CArray<3> Ws) {
  const size_t B = W.shape(0);
  const int64_t K = static_cast<int64_t>(W.shape(1)), Ks = static_cast<int64_t>(Ws.shape(1));
  const int64_t d = static_cast<int64_t>(W.shape(2)), n = K * d;
  if (Ws.shape(0) != B || static_cast<int64_t>(Ws.shape(2)) != d)
    throw InputError("W_star", "does not match W's batch and d");
  for (size_t b = 0; b < B; ++b) {
    const Case c = batch_case(relumc::Quantity::Loss, W.data() + b * n, K, Ws.data() + b * Ks * d, Ks, d);
    if (const int64_t j = relumc::kink_row(c.student.data(), K, d); j >= 0)
      throw InputError("W", "row " + std::to_string(j) + " is the zero vector: a kink, where J has no Hessian");
  }
  std::vector<double> out(B * static_cast<size_t>(n * n));
  {
    nb::gil_scoped_release release;
    for (size_t b = 0; b < B; ++b) {
      const std::vector<double> H = relumc::population_hessian(W.data() + b * n, K, Ws.data() + b * Ks * d, Ks, d);
      std::memcpy(out.data() + b * n * n, H.data(), sizeof(double) * H.size());
    }
  }
  return to_numpy(std::move(out), {B, static_cast<size_t>(n), static_cast<size_t>(n)});
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

struct Report {
  relumc::VerifyReport rep;
  std::string backend_note;
};

Report run_cases(std::vector<Case> cases, std::optional<std::vector<CArray<1>>> user_forms, uint64_t seed,
                 int threads, std::optional<std::string> precision, const std::string& contract,
                 const std::string& backend, const std::string& cpu_kernel, double alpha, const std::string& formula,
                 const std::string& test, const nb::object& progress) {
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
  opt.test = parse<relumc::Test>(test, "test", relumc::parse_test, "sidak, span");
  opt.formula = parse_formula(formula);
  opt.cpu_kernel = parse<relumc::CpuKernel>(cpu_kernel, "cpu_kernel", relumc::parse_cpu_kernel, "auto, simd, scalar");
  const relumc::Backend requested =
      parse<relumc::Backend>(backend, "backend", relumc::parse_backend, "auto, cpu, cuda");
  Report out;
  opt.backend = relumc::resolve_backend(requested, &out.backend_note, cases.front().input);
  relumc::check_verify_options(opt);
  for (const Case& c : cases) relumc::validate(c);
  relumc::check_contract_cases(opt, cases);
  // The user's closed forms (relumc.check): copied under the GIL, one per case (run_verification checks
  // their sizes).
  std::vector<std::vector<double>> forms;
  if (user_forms)
    for (const CArray<1>& a : *user_forms) forms.emplace_back(a.data(), a.data() + a.shape(0));
  opt.closed_forms = user_forms ? &forms : nullptr;
  uint64_t total = 0;
  for (const Case& c : cases) total += c.samples;
  if (opt.backend == relumc::Backend::Cpu) relumc::cpu_kernel_name(opt.cpu_kernel);  // refuses simd without FMA

  // relumc::run_verification without a journal, with the progress counter and stop flag of this call.
  out.rep = run_watched<relumc::VerifyReport>(
      [&](Watch& w) {
        relumc::VerifyOptions run_opt = opt;
        run_opt.samples_done = &w.done;
        run_opt.stop = &w.stop;
        relumc::VerifyReport rep = relumc::run_verification(cases, run_opt);
        rep.options.samples_done = nullptr, rep.options.stop = nullptr, rep.options.closed_forms = nullptr;
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

}  // namespace

void bind_verify(nb::module_& m) {
  m.def("closed_forms", &closed_forms, "quantity"_a, "W"_a, "W_star"_a, "formula"_a = "tian",
        "Closed forms of a batch: W (B, K, d), W_star (B, K*, d) -> (B, m).");
  m.def("hessians", &hessians, "W"_a, "W_star"_a,
        "Closed-form Hessians of the loss of a batch: W (B, K, d), W_star (B, K*, d) -> (B, K d, K d).");

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
      .def_ro("inconclusive", &CaseResult::inconclusive)
      .def_ro("tail_error", &CaseResult::tail_error)
      .def_prop_ro("verdict", [](const CaseResult& r) { return std::string(relumc::verdict_name(r)); })
      .def_prop_ro("test", [](const CaseResult& r) { return std::string(relumc::to_string(r.test)); })
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
        "alpha"_a = 0.01, "formula"_a = "tian", "test"_a = "sidak", "progress"_a = nb::none());
  m.def("samples", &samples, "seed"_a, "stream"_a, "start"_a, "count"_a, "d"_a, "contract"_a = "v1",
        "dtype"_a = "float64", "input"_a = "gaussian", "radius"_a = nb::none());
  m.def("normal_two_sided_p", &relumc::normal_two_sided_p, "z"_a);
}

}  // namespace relumc_py
