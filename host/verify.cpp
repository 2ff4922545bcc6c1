// SPDX-License-Identifier: MIT
#include "relumc/verify.hpp"

#include "relumc/cuda_backend.hpp"

#include "host/journal.hpp"
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
      *note = "cuda (asked for)";
      return Backend::Cuda;
    case Backend::Auto:
      if (usable) {
        *note = "cuda (auto: a usable CUDA device is present)";
        return Backend::Cuda;
      }
      *note = fmt::format("cpu (auto: {})", why);
      return Backend::Cpu;
  }
  return Backend::Cpu;
}

EstimateOptions estimate_options(const VerifyOptions& opt, std::atomic<uint64_t>* counter) {
  EstimateOptions eo;
  eo.seed = opt.seed;
  eo.threads = opt.threads;
  eo.precision = opt.precision;
  eo.cpu_kernel = opt.cpu_kernel;
  eo.cuda_devices = opt.cuda_devices;
  eo.samples_done = counter;
  eo.distribution = opt.distribution;
  eo.stop = opt.stop;
  return eo;
}

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

Estimate estimate(const Case& c, const EstimateOptions& opt, Backend backend) {
  switch (backend) {
    case Backend::Cpu: return estimate_cpu(c, opt);
    case Backend::Cuda:
      if (c.input != InputKind::Gaussian)
        throw InputError(fmt::format("--input {}: the CUDA kernels draw Gaussian inputs only so far; use --backend cpu",
                                     to_string(c.input)));
      return estimate_cuda(c, opt);  // a build without CUDA throws, saying why
    case Backend::Auto: break;
  }
  throw InputError("backend auto must be resolved (resolve_backend) before estimating");
}

VerifyReport run_verification(std::vector<Case> cases, const VerifyOptions& opt) {
  const auto start = std::chrono::steady_clock::now();
  const Distribution& dist = opt.distribution ? *opt.distribution : Distribution::single();
  VerifyReport rep;
  rep.options = opt;
  rep.cases = std::move(cases);
  rep.ranks = dist.size();
#ifdef _OPENMP
  rep.threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
#endif
  if (opt.backend == Backend::Cpu) rep.cpu_kernel = cpu_kernel_name(opt.cpu_kernel);

  // The journal holds what an earlier, interrupted run of the same configuration finished.
  Journal* journal = opt.journal;
  std::vector<bool> todo(rep.cases.size(), true);
  if (journal) {
    for (const auto& [k, entry] : journal->finished()) {
      if (k >= rep.cases.size() || entry.estimate.mean.size() != static_cast<size_t>(components(rep.cases[k])) ||
          entry.estimate.std_error.size() != entry.estimate.mean.size() || entry.estimate.samples < 2)
        throw InputError(fmt::format("{}: the entry of case {} does not fit this run's cases; use --restart",
                                     journal->path(), k));
      todo[k] = false;
      rep.cases[k].samples = entry.estimate.samples;
      ++rep.resumed_cases;
    }
  }
  if (opt.target_rel_error > 0 || opt.time_budget > 0) rep.plan = plan_samples(rep.cases, todo, opt);

  std::vector<double> cost;
  std::vector<uint64_t> samples;
  for (size_t k = 0; k < rep.cases.size(); ++k) {
    const Case& c = rep.cases[k];
    cost.push_back(static_cast<double>(c.d * (c.K + c.Kstar + 1)));
    samples.push_back(todo[k] ? c.samples : 0);
  }
  Progress progress(cost, samples, opt.progress && dist.is_root());
  for (size_t k = 0; k < rep.cases.size(); ++k) {
    const Case& c = rep.cases[k];
    const std::vector<double> cf = closed_form(c, opt.formula);
    if (!todo[k]) {
      const Journal::Entry& entry = journal->finished().at(k);
      CaseResult r = test_case(c, cf, entry.estimate, opt.precision);
      r.seconds = entry.seconds;
      rep.results.push_back(std::move(r));
      continue;
    }
    progress.begin_case(k);
    const EstimateOptions eo = estimate_options(opt, progress.counter());
    const auto t0 = std::chrono::steady_clock::now();
    const Estimate e = estimate(c, eo, opt.backend);
    CaseResult r = test_case(c, cf, e, opt.precision);
    r.seconds = seconds_since(t0);
    if (journal) journal->append(k, e, r.seconds);
    rep.results.push_back(std::move(r));
  }
  progress.finish();
  rep.passed = apply_holm(rep.results, opt.alpha);
  rep.seconds = seconds_since(start);
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
