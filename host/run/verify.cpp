// SPDX-License-Identifier: MIT
#include "relumc/run/verify.hpp"

#include "relumc/backend/cpu/cpu_backend.hpp"

#include "relumc/run/journal.hpp"
#include "relumc/run/progress.hpp"

#include <fmt/format.h>

#include <chrono>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relumc {

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

}  // namespace relumc
