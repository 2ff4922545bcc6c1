// SPDX-License-Identifier: MIT
// Sample-count planning: Stein's two-stage procedure (C. Stein, Ann. Math. Statist. 16, 1945).
//
// Stage 1 (pilot): n0 samples of each case from its pilot stream (kPilotStreamBase + stream) give a
// standard error se0 and a rate (samples/s). With scale = |cf| (the closed form's Euclidean norm, or
// the case's magnitude where cf = 0) the root-mean-square relative error of an N-sample estimate is
// about r(N) = |se0| sqrt(n0 / N) / scale, so N(E) = n0 (|se0| / (scale E))^2 reaches r = E.
// Stage 2: N fresh samples from the case's own stream, independent of stage 1. N depends only on
// stage-1 data (and, under a time budget, on the clock), so conditionally on N the stage-2 samples are
// an ordinary i.i.d. sample: the z-test keeps its stated level exactly as for a fixed N
// (tests/unit/test_sample_plan.cpp checks calibration and power under planning).
//
// Time budget B: the N are chosen for the smallest common target E' >= E whose predicted stage-2 time
// sum_k N_k(E') / rate_k fits in what the pilots left of B (bisection on log E'): every case then ends
// with about the same relative error, which minimises the largest one for the time.
#include "relumc/run/verify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace relumc {

namespace {

struct Pilot {
  double rse = 0;   // |se0| / scale: the relative standard error of the n0-sample pilot
  double rate = 0;  // samples per second
};

uint64_t samples_for(const Pilot& p, double target, const VerifyOptions& opt) {
  const double n = static_cast<double>(opt.pilot_samples) * (p.rse / target) * (p.rse / target);
  const double lo = static_cast<double>(opt.pilot_samples), hi = static_cast<double>(opt.max_samples);
  return static_cast<uint64_t>(std::ceil(std::clamp(std::isfinite(n) ? n : hi, lo, hi)));
}

double predicted_seconds(const std::vector<Pilot>& pilots, double target, const VerifyOptions& opt) {
  double t = 0;
  for (const Pilot& p : pilots) t += static_cast<double>(samples_for(p, target, opt)) / p.rate;
  return t;
}

}  // namespace

void check_sample_plan(const VerifyOptions& opt) {
  if (!(opt.target_rel_error >= 0 && opt.target_rel_error < 1))
    throw InputError("target_rel_error",
                     fmt::format("{} is outside (0, 1): it is a relative error (0: none)", opt.target_rel_error));
  if (!(opt.time_budget >= 0 && std::isfinite(opt.time_budget)))
    throw InputError("time_budget", fmt::format("{} is not a positive number of seconds (0: none)", opt.time_budget));
  if (opt.pilot_samples < 1000)
    throw InputError("pilot_samples", fmt::format("{} is below 1000: the pilot's standard error would be too rough",
                                 opt.pilot_samples));
  if (opt.max_samples < opt.pilot_samples)
    throw InputError("max_samples", fmt::format("{} is below `pilot_samples` {}", opt.max_samples, opt.pilot_samples));
}

SamplePlan plan_samples(std::vector<Case>& cases, const std::vector<bool>& todo, const VerifyOptions& opt) {
  check_sample_plan(opt);
  const Distribution& dist = opt.distribution ? *opt.distribution : Distribution::single();
  SamplePlan plan;
  plan.used = true;
  plan.target_rel_error = opt.target_rel_error;

  const EstimateOptions eo = estimate_options(opt, nullptr);
  std::vector<size_t> index;
  std::vector<Pilot> pilots;
  const auto t_start = std::chrono::steady_clock::now();
  for (size_t k = 0; k < cases.size(); ++k) {
    if (!todo[k]) continue;
    Case pilot = cases[k];
    if (pilot.stream >= kPilotStreamBase)
      throw InputError(fmt::format("case {}: stream {} leaves no room for its pilot stream", k, pilot.stream));
    pilot.stream += kPilotStreamBase;
    pilot.samples = opt.pilot_samples;
    const auto t0 = std::chrono::steady_clock::now();
    const Estimate e = estimate(pilot, eo, opt.backend);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::vector<double> cf = closed_form(pilot, opt.formula);
    double cf2 = 0, se2 = 0;
    for (size_t a = 0; a < cf.size(); ++a) cf2 += cf[a] * cf[a], se2 += e.std_error[a] * e.std_error[a];
    const double scale = cf2 > 0 ? std::sqrt(cf2) : magnitude(pilot);
    index.push_back(k);
    pilots.push_back({std::sqrt(se2) / scale, static_cast<double>(opt.pilot_samples) / std::max(seconds, 1e-9)});
  }
  plan.pilot_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();

  // The target: asked for, or (under a budget) the smallest one that fits.
  double target = opt.target_rel_error;
  if (opt.time_budget > 0 && !pilots.empty()) {
    const double left = opt.time_budget - plan.pilot_seconds;
    double lo = target > 0 ? target : 1e-12, hi = 1e3;
    if (predicted_seconds(pilots, lo, opt) > left) {
      for (int it = 0; it < 200 && hi / lo > 1 + 1e-6; ++it) {
        const double mid = std::sqrt(lo * hi);
        (predicted_seconds(pilots, mid, opt) > left ? lo : hi) = mid;
      }
      target = hi;
    } else {
      target = lo;
    }
  }
  plan.effective_rel_error = target;

  std::vector<uint64_t> n;
  for (const Pilot& p : pilots) n.push_back(samples_for(p, target, opt));
  dist.broadcast(n);  // under a budget the clock chose N: every rank takes the root's
  for (size_t i = 0; i < index.size(); ++i) {
    cases[index[i]].samples = n[i];
    plan.planned_samples += n[i];
    plan.planned_seconds += static_cast<double>(n[i]) / pilots[i].rate;
  }
  return plan;
}

}  // namespace relumc
