// SPDX-License-Identifier: MIT
#include "relumc/run/verify.hpp"

#include "relumc/backend/cpu/cpu_backend.hpp"

#include "relumc/run/journal.hpp"
#include "relumc/run/progress.hpp"

#include "relumc/io/results.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <memory>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relumc {

EstimateOptions estimate_options(const VerifyOptions& opt, std::atomic<uint64_t>* counter) {
  EstimateOptions eo;
  eo.seed = opt.seed;
  eo.threads = opt.threads;
  eo.precision = opt.precision;
  eo.contract = opt.contract;
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

void check_verify_options(const VerifyOptions& opt) {
  if (!(opt.alpha > 0 && opt.alpha < 1)) throw InputError("alpha", fmt::format("{} is outside (0, 1)", opt.alpha));
  if (opt.backend == Backend::Auto) throw InputError("backend", "auto must be resolved (resolve_backend) before a run");
  if (!opt.cuda_devices.empty()) {
    if (opt.backend != Backend::Cuda)
      throw InputError("cuda_devices", fmt::format("{}: only the cuda backend uses devices, and this run uses {}",
                                                   fmt::join(opt.cuda_devices, ","), to_string(opt.backend)));
    for (size_t i = 0; i < opt.cuda_devices.size(); ++i) {
      if (opt.cuda_devices[i] < 0)
        throw InputError("cuda_devices", fmt::format("{} is not a device number", opt.cuda_devices[i]));
      for (size_t j = 0; j < i; ++j)
        if (opt.cuda_devices[j] == opt.cuda_devices[i])
          throw InputError("cuda_devices", fmt::format("device {} is listed twice", opt.cuda_devices[i]));
    }
  }
  check_sample_plan(opt);
  const bool planned = opt.target_rel_error > 0 || opt.time_budget > 0;
  check_contract(opt.contract, opt.precision, planned ? opt.max_samples : 0);
}

void check_contract_cases(const VerifyOptions& opt, const std::vector<Case>& cases) {
  uint64_t largest = 0;
  for (const Case& c : cases) largest = std::max(largest, c.samples);
  check_contract(opt.contract, opt.precision, largest);
}

VerifyReport run_verification(std::vector<Case> cases, const VerifyOptions& opt) {
  const auto start = std::chrono::steady_clock::now();
  const Distribution& dist = opt.distribution ? *opt.distribution : Distribution::single();
  check_contract_cases(opt, cases);  // before any estimate
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
          entry.estimate.std_error.size() != entry.estimate.mean.size() ||
          entry.estimate.mean_skewness.size() != entry.estimate.mean.size() ||
          entry.estimate.mean_kurtosis.size() != entry.estimate.mean.size() || entry.estimate.samples < 2)
        throw InputError(fmt::format("{}: the entry of case {} does not fit this run's cases; use `restart`",
                                     journal->path(), k));
      // With fixed N (no planner) every case's N is known: a journalled N must be that N.
      const bool planned = opt.target_rel_error > 0 || opt.time_budget > 0;
      if (!planned && entry.estimate.samples != rep.cases[k].samples)
        throw InputError(fmt::format("{}: case {} was journalled with N = {}, but this run's N is {}; use `restart`",
                                     journal->path(), k, entry.estimate.samples, rep.cases[k].samples));
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
  if (opt.closed_forms) {
    if (opt.closed_forms->size() != rep.cases.size())
      throw InputError("closed_forms", fmt::format("{} closed forms for {} cases", opt.closed_forms->size(), rep.cases.size()));
    for (size_t k = 0; k < rep.cases.size(); ++k)
      if (static_cast<int64_t>((*opt.closed_forms)[k].size()) != components(rep.cases[k]))
        throw InputError("closed_forms", fmt::format("case {}: {} numbers, expected {}", k, (*opt.closed_forms)[k].size(),
                                                     components(rep.cases[k])));
  }
  for (size_t k = 0; k < rep.cases.size(); ++k) {
    const Case& c = rep.cases[k];
    const std::vector<double> cf = opt.closed_forms ? (*opt.closed_forms)[k] : closed_form(c, opt.formula);
    if (!todo[k]) {
      const Journal::Entry& entry = journal->finished().at(k);
      CaseResult r = test_case(c, cf, entry.estimate, opt.precision, opt.test);
      r.seconds = entry.seconds;
      rep.results.push_back(std::move(r));
      continue;
    }
    progress.begin_case(k);
    const EstimateOptions eo = estimate_options(opt, opt.samples_done ? opt.samples_done : progress.counter());
    const auto t0 = std::chrono::steady_clock::now();
    const Estimate e = estimate(c, eo, opt.backend);
    CaseResult r = test_case(c, cf, e, opt.precision, opt.test);
    r.seconds = seconds_since(t0);
    if (journal) journal->append(k, e, r.seconds);
    rep.results.push_back(std::move(r));
  }
  progress.finish();
  rep.passed = apply_holm(rep.results, opt.alpha);
  rep.seconds = seconds_since(start);
  return rep;
}

VerifyReport verify_to_directory(std::vector<Case> cases, const VerifyOptions& opt, const VerifyOutput& out) {
  check_verify_options(opt);  // before the journal is created: bad input writes nothing
  for (const Case& c : cases) validate(c);
  check_contract_cases(opt, cases);
  const Distribution& dist = opt.distribution ? *opt.distribution : Distribution::single();
  // Only rank 0 touches DIR, but every rank must learn that it cannot be used, or the others would wait
  // for a run that never starts: the refusal is broadcast and thrown on every rank.
  std::string refusal;
  if (dist.is_root()) {
    try {
      ensure_writable_dir(out.dir, "out");
    } catch (const InputError& e) {
      refusal = e.detail();
    }
  }
  std::unique_ptr<DirectoryLock> lock;  // rank 0 holds DIR for the whole run
  if (dist.is_root() && refusal.empty()) {
    try {
      lock = std::make_unique<DirectoryLock>(out.dir, "out");
    } catch (const InputError& e) {
      refusal = e.detail();
    }
  }
  dist.broadcast(refusal);
  if (!refusal.empty()) throw InputError("out", refusal);
  VerifyOptions run_opt = opt;
  run_opt.progress = opt.progress && dist.is_root();  // only rank 0 prints
  Journal journal(out.dir, journal_config(run_opt, cases), out.resume, out.restart, dist);
  run_opt.journal = &journal;
  const size_t total = cases.size();
  VerifyReport rep;
  try {
    rep = run_verification(std::move(cases), run_opt);
  } catch (const Interrupted&) {
    throw Interrupted(fmt::format("after {} of {} cases; {} keeps them: rerun the same command "
                                  "with `resume` to continue", journal.finished().size(), total, journal.path()));
  }
  rep.options.journal = nullptr;  // the journal ends here
  if (!dist.is_root()) return rep;
  try {
    write_files_atomically(
        {{out.dir + "/results.csv", results_csv(rep)}, {out.dir + "/results.json", results_json(rep, out.backend_note)}});
    journal.complete();
  } catch (const std::exception& e) {
    // A full or broken disk at the very end: every estimate is in the journal.
    throw std::runtime_error(fmt::format("{}; no case is lost: {} holds all {} of them, so fix the cause and rerun "
                                         "the same command with `resume`",
                                         e.what(), journal.path(), rep.cases.size()));
  }
  return rep;
}

}  // namespace relumc
