// SPDX-License-Identifier: MIT
#include "relumc/verify.hpp"

#include "host/progress.hpp"

#include <fmt/format.h>

#include <chrono>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relumc {

Backend resolve_backend(Backend requested, std::string* note) {
  std::string why;
  const bool usable = cuda_usable(&why);
  switch (requested) {
    case Backend::Cpu:
      *note = "cpu (asked for)";
      return Backend::Cpu;
    case Backend::Cuda:
      if (!usable) throw InputError(fmt::format("--backend cuda: CUDA is not usable here: {}", why));
      throw InputError("--backend cuda: a CUDA device is present, but this build has no CUDA estimators yet (issue #3)");
    case Backend::Auto:
      *note = usable ? "cpu (auto: a CUDA device is present, but the CUDA estimators are not built yet)"
                     : fmt::format("cpu (auto: {})", why);
      return Backend::Cpu;
  }
  return Backend::Cpu;
}

namespace {
EstimateOptions estimate_options(const VerifyOptions& opt, std::atomic<uint64_t>* counter) {
  EstimateOptions eo;
  eo.seed = opt.seed;
  eo.threads = opt.threads;
  eo.precision = opt.precision;
  eo.cpu_kernel = opt.cpu_kernel;
  eo.samples_done = counter;
  return eo;
}
}  // namespace

Estimate estimate(const Case& c, const EstimateOptions& opt, Backend backend) {
  if (backend != Backend::Cpu) throw InputError(fmt::format("backend {} has no estimators in this build", to_string(backend)));
  return estimate_cpu(c, opt);
}

VerifyReport run_verification(std::vector<Case> cases, const VerifyOptions& opt) {
  VerifyReport rep;
  rep.options = opt;
  rep.cases = std::move(cases);
#ifdef _OPENMP
  rep.threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
#endif
  if (opt.backend == Backend::Cpu) rep.cpu_kernel = cpu_kernel_name(opt.cpu_kernel);
  std::vector<double> cost;
  std::vector<uint64_t> samples;
  for (const Case& c : rep.cases) {
    cost.push_back(static_cast<double>(c.d * (c.K + c.Kstar + 1)));
    samples.push_back(c.samples);
  }
  Progress progress(cost, samples, opt.progress);
  const auto start = std::chrono::steady_clock::now();
  for (size_t k = 0; k < rep.cases.size(); ++k) {
    const Case& c = rep.cases[k];
    progress.begin_case(k);
    const EstimateOptions eo = estimate_options(opt, progress.counter());
    const auto t0 = std::chrono::steady_clock::now();
    const Estimate e = estimate(c, eo, opt.backend);
    CaseResult r = test_case(c, closed_form(c, opt.formula), e, opt.precision);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rep.results.push_back(std::move(r));
  }
  progress.finish();
  rep.passed = apply_holm(rep.results, opt.alpha);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

uint64_t samples_to_reject(Case c, Formula wrong, const VerifyOptions& opt, const std::vector<uint64_t>& ladder) {
  for (size_t k = 0; k < ladder.size(); ++k) {
    c.samples = ladder[k];
    c.stream = static_cast<uint32_t>(k);
    const EstimateOptions eo = estimate_options(opt, nullptr);
    std::vector<CaseResult> one{test_case(c, closed_form(c, wrong), estimate(c, eo, opt.backend), opt.precision)};
    if (!apply_holm(one, opt.alpha)) return ladder[k];
  }
  return 0;
}

}  // namespace relumc
