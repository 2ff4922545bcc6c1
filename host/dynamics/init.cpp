// SPDX-License-Identifier: MIT
// Dynamics input checks, teachers and initialisations (layout of the random draws: relumc/dynamics/dynamics.hpp).
#include "relumc/dynamics/dynamics.hpp"

#include "relumc/core/machine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace relumc {

std::string_view to_string(InitKind k) {
  switch (k) {
    case InitKind::Gaussian: return "gaussian";
    case InitKind::Ball: return "ball";
    case InitKind::Weights: return "weights";
    case InitKind::Symmetric: return "symmetric";
    case InitKind::Uniform: return "uniform";
  }
  return "?";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Recovered: return "recovered";
    case Outcome::Stalled: return "stalled";
    case Outcome::Diverged: return "diverged";
    case Outcome::NotConverged: return "not_converged";
  }
  return "?";
}

namespace {

void check_matrix(const std::vector<double>& m, int64_t rows, int64_t d, const char* what) {
  if (static_cast<int64_t>(m.size()) != rows * d)
    throw InputError(fmt::format("{} has {} numbers, expected {} x {} = {}", what, m.size(), rows, d, rows * d));
  for (int64_t j = 0; j < rows; ++j) {
    double s = 0;
    for (int64_t c = 0; c < d; ++c) {
      const double v = m[j * d + c];
      if (!std::isfinite(v)) throw InputError(fmt::format("{} row {} entry {} is {} (must be finite)", what, j, c, v));
      s += v * v;
    }
    if (s == 0 && std::all_of(m.begin() + j * d, m.begin() + (j + 1) * d, [](double v) { return v == 0; }))
      throw InputError(fmt::format("{} row {} is zero (the gradient is undefined at w = 0)", what, j));
    // The loss has degree 2 in the weights: beyond this range its terms (and squared distances) overflow
    // or underflow, and no outcome could be classified honestly.
    const double norm = norm_without_overflow(m.data() + j * d, d);
    if (!(norm >= kMinRowNorm && norm <= kMaxRowNorm))
      throw InputError(fmt::format("{} row {} has norm {:g}: outside [{:g}, {:g}], where the loss and the distances "
                                   "stay finite", what, j, norm, kMinRowNorm, kMaxRowNorm));
  }
}

void check_positive(double v, const char* field) {
  if (!(v > 0) || !std::isfinite(v)) throw InputError(field, fmt::format("{} must be a finite number > 0", v));
}

void check_finite(double v, const char* field) {
  if (!std::isfinite(v)) throw InputError(field, fmt::format("{} must be finite", v));
}

// x ~ N(0, I_d) of the initialisation stream of `run`, sample index `index`.
void init_normal(const DynamicsSpec& s, int64_t run, uint64_t index, double* x) {
  draw_sample<double>(s.seed, kInitStreamBase + static_cast<uint32_t>(run), index, s.d, x);
}

// A uniform in (0, 1) from Philox block (init stream, index, 0), word 0 (exact, as in the contract).
double init_uniform(const DynamicsSpec& s, int64_t run, uint64_t index) {
  const PhiloxWords w = philox_block(s.seed, kInitStreamBase + static_cast<uint32_t>(run), index, 0);
  return UniformFromWord(Scalar<double>{}, w.r[0]);
}

}  // namespace

std::vector<double> orthonormal_teacher(int64_t Kstar, int64_t d, double scale) {
  if (Kstar > d) throw InputError(fmt::format("an orthonormal teacher needs d >= K* (d = {}, K* = {})", d, Kstar));
  std::vector<double> t(static_cast<size_t>(Kstar * d), 0.0);
  for (int64_t k = 0; k < Kstar; ++k) t[k * d + k] = scale;
  return t;
}

std::vector<int64_t> record_schedule(int64_t steps, int64_t every) {
  if (every < 1) throw InputError("record_steps", fmt::format("every {} steps: must be >= 1", every));
  if (steps < 0) throw InputError("steps", fmt::format("{} must be >= 0", steps));
  const uint64_t count = static_cast<uint64_t>(steps / every) + 2;
  check_memory(std::min<uint64_t>(count, uint64_t{1} << 60) * 8, "record_steps", "the schedule of recorded steps");
  std::vector<int64_t> out;
  out.reserve(count);
  for (int64_t t = 0; t < steps; t += every) out.push_back(t);
  out.push_back(steps);
  return out;
}

void validate(const DynamicsSpec& s) {
  if (s.d < 1) throw InputError(fmt::format("d = {} must be >= 1", s.d));
  if (s.K < 1) throw InputError(fmt::format("K = {} must be >= 1", s.K));
  if (s.Kstar < 1) throw InputError(fmt::format("K* = {} must be >= 1", s.Kstar));
  check_matrix(s.teacher, s.Kstar, s.d, "teacher");
  if (!(s.lr > 0) || !std::isfinite(s.lr)) throw InputError("lr", fmt::format("{} must be a finite number > 0", s.lr));
  if (s.steps < 0) throw InputError("steps", fmt::format("{} must be >= 0", s.steps));
  check_contract(s.contract, default_precision(s.contract), static_cast<uint64_t>(std::max<int64_t>(s.batch, 0)));
  if (s.batch < 0) throw InputError("batch", fmt::format("{} must be >= 0 (0: population gradient)", s.batch));
  if (s.batch > 0 && static_cast<double>(s.batch) * static_cast<double>(s.steps) >= 0x1p64)
    throw InputError("batch", fmt::format("{} x `steps` {} exceeds the 2^64 samples of a stream", s.batch, s.steps));
  if (s.runs < 1 || s.runs >= static_cast<int64_t>(kInitStreamBase))
    throw InputError("runs", fmt::format("{} must be in [1, 2^31)", s.runs));
  // Every recorded step of every run keeps K distances, Q (K x K) and M (K x K*) in memory and writes them
  // to trajectories.csv: refused before the runs allocate it.
  const long double per_record = 8.0L * (3 + 2 * s.K + static_cast<long double>(s.K) * s.K +
                                         static_cast<long double>(s.K) * s.Kstar) * (1 + 3);
  check_memory(static_cast<uint64_t>(std::min<long double>(
                   per_record * static_cast<long double>(s.record_steps.size()) * s.runs * (s.compare_population ? 2 : 1),
                   1e19L)),
               "record_steps", "the recorded trajectories (memory and trajectories.csv)");
  for (int64_t t : s.record_steps)
    if (t < 0 || t > s.steps) throw InputError("record_steps", fmt::format("step {} is outside [0, `steps` {}]", t, s.steps));
  check_positive(s.recover_tol, "recover_tol");
  check_positive(s.stall_tol, "stall_tol");
  check_positive(s.diverge_norm, "diverge_norm");
  if (!(s.stop_tol >= 0)) throw InputError("stop_tol", fmt::format("{} must be >= 0", s.stop_tol));
  const InitSpec& in = s.init;
  switch (in.kind) {
    case InitKind::Gaussian: check_positive(in.std, "init.std"); break;
    case InitKind::Ball: check_positive(in.radius, "init.radius"); break;
    case InitKind::Uniform: check_positive(in.half_width, "init.half_width"); break;
    case InitKind::Weights: check_matrix(in.weights, s.K, s.d, "initial student weights"); break;
    case InitKind::Symmetric: {
      check_finite(in.x, "init.x");
      check_finite(in.y, "init.y");
      if (!(in.delta >= 0) || !std::isfinite(in.delta))
        throw InputError("init.delta", fmt::format("{} must be a finite number >= 0", in.delta));
      if (s.K != s.Kstar)
        throw InputError(fmt::format("the symmetric initialisation needs K = K* (K = {}, K* = {})", s.K, s.Kstar));
      for (int64_t a = 0; a < s.Kstar; ++a)
        for (int64_t b = 0; b < s.Kstar; ++b) {
          const double g = dot(&s.teacher[a * s.d], &s.teacher[b * s.d], s.d);
          if (std::fabs(g - (a == b ? 1.0 : 0.0)) > 1e-9)
            throw InputError(fmt::format(
                "the symmetric initialisation needs an orthonormal teacher: w*_{} . w*_{} = {}", a, b, g));
        }
      if (in.delta == 0 && in.x == 0 && (in.y == 0 || s.K == 1))
        throw InputError("init.x", fmt::format("{} `init.y` {} `init.delta` 0 gives a zero row", in.x, in.y));
      break;
    }
  }
}

std::vector<double> initial_weights(const DynamicsSpec& s, int64_t run) {
  const int64_t K = s.K, d = s.d;
  std::vector<double> W(static_cast<size_t>(K * d), 0.0), x(static_cast<size_t>(d));
  const InitSpec& in = s.init;
  switch (in.kind) {
    case InitKind::Gaussian:
      for (int64_t j = 0; j < K; ++j) {
        init_normal(s, run, static_cast<uint64_t>(j), x.data());
        for (int64_t c = 0; c < d; ++c) W[j * d + c] = in.std * x[c];
      }
      break;
    case InitKind::Ball:
      // Uniform in the ball: a uniform direction (normalised normal vector) times radius u^(1/d).
      for (int64_t j = 0; j < K; ++j) {
        init_normal(s, run, static_cast<uint64_t>(j), x.data());
        const double n = norm(x.data(), d);
        const double r = in.radius * std::pow(init_uniform(s, run, static_cast<uint64_t>(K + j)), 1.0 / d);
        for (int64_t c = 0; c < d; ++c) W[j * d + c] = r * x[c] / n;
      }
      break;
    case InitKind::Uniform:
      // Entry c of row j: word c % 4 of Philox block (init stream, 2K + j, c / 4), apart from the Gaussian's
      // (index j) and the ball's radius (index K + j) draws.
      for (int64_t j = 0; j < K; ++j)
        for (int64_t c = 0; c < d; c += 4) {
          const PhiloxWords w = philox_block(s.seed, kInitStreamBase + static_cast<uint32_t>(run),
                                             static_cast<uint64_t>(2 * K + j), static_cast<uint32_t>(c / 4));
          for (int64_t i = 0; i < 4 && c + i < d; ++i)
            W[j * d + c + i] = in.half_width * (2 * UniformFromWord(Scalar<double>{}, w.r[i]) - 1);
        }
      break;
    case InitKind::Weights: W = in.weights; break;
    case InitKind::Symmetric:
      for (int64_t j = 0; j < K; ++j) {
        for (int64_t k = 0; k < K; ++k)
          for (int64_t c = 0; c < d; ++c) W[j * d + c] += (k == j ? in.x : in.y) * s.teacher[k * d + c];
        if (in.delta > 0) {
          init_normal(s, run, static_cast<uint64_t>(j), x.data());
          const double n = norm(x.data(), d);
          for (int64_t c = 0; c < d; ++c) W[j * d + c] += in.delta * x[c] / n;
        }
      }
      break;
  }
  return W;
}

}  // namespace relumc
