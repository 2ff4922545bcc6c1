// SPDX-License-Identifier: MIT
#include "relumc/plan/sweep.hpp"

#include "relumc/core/machine.hpp"

#include "relumc/math/sample_contract.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <regex>

namespace relumc {

std::vector<double> angle_steps(int n) {
  if (n < 1) throw InputError(fmt::format("angle steps = {} (must be >= 1)", n));
  if (n == 1) return {0.0};
  std::vector<double> a(n);
  for (int k = 0; k < n; ++k) a[k] = kPi * k / (n - 1);
  a.back() = kPi;
  return a;
}

namespace {

// `count` random Gaussian vectors of dimension d from the geometry stream of (seed, d, K, K*, rep).
std::vector<double> geometry(uint64_t seed, int64_t d, int64_t K, int64_t Kstar, uint32_t rep, int64_t count) {
  std::vector<double> v(static_cast<size_t>(count * d));
  const uint64_t tag = (static_cast<uint64_t>(d) << 32) ^ (static_cast<uint64_t>(K) << 16) ^ static_cast<uint64_t>(Kstar);
  draw_sample<double>(seed, kGeometryStreamBase + rep, tag, count * d, v.data());
  return v;
}

void normalize(double* v, int64_t d) {
  const double n = norm(v, d);
  for (int64_t c = 0; c < d; ++c) v[c] /= n;
}

// Unit vector orthogonal to the unit vector t: Gram-Schmidt of g against t, done twice for accuracy.
void orthogonal_unit(const double* t, double* g, int64_t d) {
  for (int pass = 0; pass < 2; ++pass) {
    const double proj = dot(g, t, d);
    for (int64_t c = 0; c < d; ++c) g[c] -= proj * t[c];
  }
  normalize(g, d);
}

void check_positive_finite(const std::vector<double>& values, const char* field) {
  for (double v : values)
    if (!(std::isfinite(v) && v > 0)) throw InputError(field, fmt::format("{} (must be finite and > 0)", v));
}

struct Shape {
  int64_t d, K, Kstar;
};

Case grid_case(Quantity q, const Shape& s, double theta, double norm_w, double ratio, const std::vector<double>& frame) {
  const int64_t d = s.d;
  const int64_t K = q == Quantity::Gating ? 1 : s.K, Ks = q == Quantity::Gating ? 1 : s.Kstar;
  Case c;
  c.quantity = q;
  c.d = d, c.K = K, c.Kstar = Ks;
  c.angle = theta, c.norm = norm_w, c.ratio = q == Quantity::Gating ? 0 : ratio;
  // frame: K* teacher directions, then K orthogonal directions (unit vectors, see build_grid).
  const double* t = frame.data();
  const double* r = frame.data() + s.Kstar * d;
  c.student.resize(K * d);
  c.teacher.resize(Ks * d);
  const double cs = (theta == kPi) ? -1.0 : std::cos(theta), sn = (theta == kPi || d == 1) ? 0.0 : std::sin(theta);
  for (int64_t j = 0; j < K; ++j)
    for (int64_t a = 0; a < d; ++a)
      c.student[j * d + a] = norm_w * (cs * t[(j % s.Kstar) * d + a] + sn * r[j * d + a]);
  const double tn = q == Quantity::Gating ? 1.0 : ratio * norm_w;
  for (int64_t k = 0; k < Ks; ++k)
    for (int64_t a = 0; a < d; ++a) c.teacher[k * d + a] = tn * t[k * d + a];
  return c;
}

Case random_case(Quantity q, const Shape& s, double norm_w, double ratio, const std::vector<double>& rows) {
  Case c;
  c.quantity = q;
  c.d = s.d, c.K = s.K, c.Kstar = s.Kstar;
  c.origin = "random";
  c.norm = norm_w, c.ratio = ratio;
  c.student.assign(rows.begin(), rows.begin() + s.K * s.d);
  c.teacher.assign(rows.begin() + s.K * s.d, rows.end());
  for (double& v : c.student) v *= norm_w;
  for (double& v : c.teacher) v *= ratio * norm_w;
  return c;
}

}  // namespace

// What the grid's cases will hold, counted before any is made: each case's weights, closed form,
// estimate and standard error in memory (8 bytes a number) and in results.json (~24 bytes a number).
static long double grid_bytes(const GridSpec& spec) {
  long double total = 0;
  const long double per_value = 8 + 24;
  for (Quantity q : spec.quantities) {
    const bool gating = q == Quantity::Gating;
    for (int64_t d : spec.dims)
      for (int64_t K : gating ? std::vector<int64_t>{1} : spec.units)
        for (int64_t Ks : gating ? std::vector<int64_t>{1} : spec.teacher_units) {
          const long double m = q == Quantity::Loss ? 1.0L : static_cast<long double>(gating ? d : K * d);
          const long double per_case = per_value * (static_cast<long double>(K + Ks) * d + 3 * m);
          const long double shapes = gating ? spec.angles.size() * spec.norms.size()
                                            : (spec.angles.size() + static_cast<long double>(spec.random_cases)) *
                                                  spec.norms.size() * spec.ratios.size();
          total += per_case * shapes * spec.samples.size();
        }
  }
  return total;
}

std::vector<Case> build_grid(const GridSpec& spec, uint64_t seed) {
  if (spec.quantities.empty()) throw InputError("quantities", "is empty: no quantity to verify");
  for (double a : spec.angles)
    if (!(a >= 0 && a <= kPi)) throw InputError("angles", fmt::format("{} is outside [0, pi]", a));
  check_positive_finite(spec.norms, "norms");
  check_positive_finite(spec.ratios, "ratios");
  for (int64_t d : spec.dims)
    if (d < 1 || d > (int64_t{1} << 24)) throw InputError("dims", fmt::format("{} (must be in [1, 2^24])", d));
  for (int64_t k : spec.units)
    if (k < 1 || k > 4096) throw InputError("units", fmt::format("{} (must be in [1, 4096])", k));
  for (int64_t k : spec.teacher_units)
    if (k < 1 || k > 4096) throw InputError("teacher_units", fmt::format("{} (must be in [1, 4096])", k));
  if (spec.random_cases < 0) throw InputError("random_cases", fmt::format("{} (must be >= 0)", spec.random_cases));
  if (spec.samples.empty()) throw InputError("samples", "is empty: no sample count given");
  check_memory(static_cast<uint64_t>(std::min<long double>(grid_bytes(spec), 1e19L)), "",
               "the grid's cases (their weights, estimates and results.json)");

  std::vector<Case> cases;
  for (Quantity q : spec.quantities) {
    const bool gating = q == Quantity::Gating;
    for (int64_t d : spec.dims) {
      for (double a : spec.angles)
        if (d == 1 && a != 0 && a != kPi)
          throw InputError(fmt::format("angle {} needs d >= 2 (in d = 1 only 0 and pi exist)", a));
      for (int64_t K : gating ? std::vector<int64_t>{1} : spec.units) {
        for (int64_t Ks : gating ? std::vector<int64_t>{1} : spec.teacher_units) {
          const Shape s{d, K, Ks};
          std::vector<double> frame = geometry(seed, d, K, Ks, 0, Ks + K);
          for (int64_t k = 0; k < Ks; ++k) normalize(frame.data() + k * d, d);
          if (d > 1)
            for (int64_t j = 0; j < K; ++j) orthogonal_unit(frame.data() + (j % Ks) * d, frame.data() + (Ks + j) * d, d);
          for (double norm_w : spec.norms)
            for (double ratio : gating ? std::vector<double>{1.0} : spec.ratios)
              for (double theta : spec.angles)
                for (uint64_t n : spec.samples) {
                  cases.push_back(grid_case(q, s, theta, norm_w, ratio, frame));
                  cases.back().samples = n;
                }
          if (gating) continue;
          for (int rep = 0; rep < spec.random_cases; ++rep) {
            std::vector<double> rows = geometry(seed, d, K, Ks, static_cast<uint32_t>(rep + 1), K + Ks);
            for (int64_t k = 0; k < K + Ks; ++k) normalize(rows.data() + k * d, d);
            for (double norm_w : spec.norms)
              for (double ratio : spec.ratios)
                for (uint64_t n : spec.samples) {
                  cases.push_back(random_case(q, s, norm_w, ratio, rows));
                  cases.back().samples = n;
                }
          }
        }
      }
    }
  }
  const double radius = input_radius(spec.input, spec.radius);
  for (size_t k = 0; k < cases.size(); ++k) {
    cases[k].stream = static_cast<uint32_t>(k);
    cases[k].input = spec.input;
    cases[k].radius = radius;
    validate(cases[k]);
  }
  if (cases.size() >= kGeometryStreamBase) throw InputError(fmt::format("{} cases exceed 2^31", cases.size()));
  return cases;
}

double input_radius(InputKind input, std::optional<double> radius) {
  if (!has_radius(input)) {
    if (radius)
      throw InputError("radius", fmt::format("{} applies to `input` sphere and ball only, not {}", *radius,
                                             to_string(input)));
    return 0;
  }
  if (!radius) return kDefaultRadius;
  if (!(*radius >= kMinRadius && *radius <= kMaxRadius))
    throw InputError("radius", fmt::format("{} (must be finite, in [{:g}, {:g}])", *radius, kMinRadius, kMaxRadius));
  return *radius;
}

uint64_t parse_samples(const std::string& text, std::string_view field) {
  const char* s = text.c_str();
  if (text.empty()) throw InputError(field, "is empty");
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (errno == ERANGE || *end != '\0')
      throw InputError(field, fmt::format("{} is beyond the 2^64 samples one stream can address", text));
    if (v == 0) throw InputError(field, "0 (must be >= 2)");
    return v;
  }
  // Only plain decimal scientific notation ("1e9", "2.5E6"): no sign, hex, spaces or inf.
  static const std::regex scientific("[0-9]+(\\.[0-9]*)?([eE]\\+?[0-9]+)?");
  if (!std::regex_match(text, scientific))
    throw InputError(field, fmt::format("'{}' is not a positive integer (plain or like 1e9)", text));
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (v <= 0) throw InputError(field, fmt::format("{} (must be a positive integer)", text));
  if (v != std::floor(v)) throw InputError(field, fmt::format("{} is not an integer", text));
  if (v >= 18446744073709551616.0)
    throw InputError(field, fmt::format("{} is beyond the 2^64 samples one stream can address", text));
  return static_cast<uint64_t>(v);
}

}  // namespace relumc
