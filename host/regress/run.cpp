// SPDX-License-Identifier: MIT
// Running a suite: case ids, every group through run_verification, Holm across the whole suite, and
// the throughput checks.
#include "relumc/regress/run.hpp"

#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/run/verify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relumc {

std::vector<std::string> case_ids(const std::vector<Case>& cases, size_t group) {
  std::vector<std::string> ids;
  std::map<std::string, int> seen;
  for (const Case& c : cases) {
    std::string id = fmt::format("g{}:{}:d={}", group, to_string(c.quantity), c.d);
    if (c.quantity != Quantity::Gating) id += fmt::format(":K={}:K*={}", c.K, c.Kstar);
    id += c.origin == "random" ? std::string(":random") : fmt::format(":angle={:.6g}", c.angle);
    id += fmt::format(":norm={:.6g}", c.norm);
    if (c.quantity != Quantity::Gating) id += fmt::format(":ratio={:.6g}", c.ratio);
    id += fmt::format(":N={}", c.samples);
    // Only non-Gaussian inputs are named, so the ids of Gaussian cases are those of earlier versions.
    if (c.input != InputKind::Gaussian)
      id += has_radius(c.input) ? fmt::format(":input={}:R={:.6g}", to_string(c.input), c.radius)
                                : fmt::format(":input={}", to_string(c.input));
    // Repeated coordinates (random cases, duplicate grid values) are told apart by their order.
    const int n = ++seen[id];
    if (n > 1) id += fmt::format("#{}", n);
    ids.push_back(std::move(id));
  }
  return ids;
}

std::string throughput_id(const ThroughputCheck& t, size_t index) {
  // Only a contract other than v1 is named, so the ids of v1 checks are those of earlier versions.
  return fmt::format("t{}:{}:d={}:K={}:K*={}:N={}:{}{}", index, to_string(t.quantity), t.d, t.K, t.Kstar, t.samples,
                     to_string(t.precision), t.contract == Contract::V1 ? "" : ":" + std::string(to_string(t.contract)));
}

ThroughputResult measure_throughput(const ThroughputCheck& t, size_t index, const Suite& s, Backend backend) {
  GridSpec spec;
  spec.quantities = {t.quantity};
  spec.dims = {t.d};
  spec.units = {t.K};
  spec.teacher_units = {t.Kstar};
  spec.angles = {t.d == 1 ? 0.0 : kPi / 3};
  spec.norms = {1.0};
  spec.ratios = {1.5};
  spec.samples = {t.samples};
  Case c = build_grid(spec, s.seed).at(0);
  EstimateOptions eo;
  eo.seed = s.seed;
  eo.threads = s.threads;
  eo.precision = t.precision;
  eo.contract = t.contract;
  eo.cpu_kernel = s.cpu_kernel;

  // Warm-up (threads started, pages touched), untimed and smaller.
  Case warm = c;
  warm.samples = std::max<uint64_t>(2, c.samples / 8);
  estimate(warm, eo, backend);

  ThroughputResult r;
  r.id = throughput_id(t, index);
  r.check = t;
  std::vector<double> rates;
  for (int k = 0; k < t.repetitions; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    estimate(c, eo, backend);
    const double sec = std::max(1e-9, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    r.seconds.push_back(sec);
    rates.push_back(static_cast<double>(c.samples) / sec);
  }
  std::sort(rates.begin(), rates.end());
  const size_t n = rates.size();
  r.samples_per_s = t.statistic == ThroughputStatistic::Best
                        ? rates.back()
                        : (n % 2 ? rates[n / 2] : 0.5 * (rates[n / 2 - 1] + rates[n / 2]));
  r.normals_per_s = r.samples_per_s * static_cast<double>(t.d);
  return r;
}

Backend resolve_suite_backend(const Suite& s, const std::string& where, std::string* note) {
  InputKind input = InputKind::Gaussian;
  for (const CaseGroup& g : s.groups)
    if (g.grid.input != InputKind::Gaussian) input = g.grid.input;
  try {
    return resolve_backend(s.backend, note, input);
  } catch (const InputError& e) {
    throw InputError(fmt::format("suite '{}' ({}) asks for backend {}: {}", s.name, where, to_string(s.backend),
                                 render_fields(e.detail(), [](std::string_view key) { return std::string(key); })));
  }
}

SuiteRun run_suite(const Suite& s, Backend backend, const std::string& backend_note, bool progress) {
  const auto start = std::chrono::steady_clock::now();
  SuiteRun run;
  run.suite = s;
  run.backend = backend;
  run.backend_note = backend_note;
  run.threads = s.threads;
#ifdef _OPENMP
  if (run.threads <= 0) run.threads = omp_get_max_threads();
#else
  run.threads = 1;
#endif
  if (backend == Backend::Cpu) run.cpu_kernel = cpu_kernel_name(s.cpu_kernel);

  VerifyOptions opt;
  opt.seed = s.seed;
  opt.threads = s.threads;
  opt.precision = s.precision;
  opt.contract = s.contract;
  opt.backend = backend;
  opt.cpu_kernel = s.cpu_kernel;
  opt.alpha = s.alpha;
  opt.progress = progress;
  for (size_t g = 0; g < s.groups.size(); ++g) {
    std::vector<Case> cases = group_cases(s, g);
    const std::vector<std::string> ids = case_ids(cases, g);
    opt.formula = s.groups[g].formula;
    VerifyReport rep = run_verification(std::move(cases), opt);
    for (size_t k = 0; k < rep.cases.size(); ++k)
      run.cases.push_back({ids[k], g, std::move(rep.cases[k]), std::move(rep.results[k])});
  }
  // One family: Holm over every case of every group (run_verification's per-group Holm is replaced).
  std::vector<CaseResult> all;
  for (const SuiteCase& c : run.cases) all.push_back(c.r);
  run.passed = apply_holm(all, s.alpha);
  for (size_t k = 0; k < all.size(); ++k) {
    run.cases[k].r.p_holm = all[k].p_holm;
    run.cases[k].r.passed = all[k].passed;
  }
  for (size_t t = 0; t < s.throughput.size(); ++t) {
    if (progress && isatty(STDERR_FILENO)) fmt::print(stderr, "relumc: throughput check {} of {}\n", t + 1, s.throughput.size());
    run.throughput.push_back(measure_throughput(s.throughput[t], t, s, backend));
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

}  // namespace relumc
