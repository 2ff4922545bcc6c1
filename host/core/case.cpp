// SPDX-License-Identifier: MIT
#include "relumc/core/case.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

namespace relumc {

std::string_view to_string(Quantity q) {
  switch (q) {
    case Quantity::Gating: return "gating";
    case Quantity::Grad: return "grad";
    case Quantity::Loss: return "loss";
  }
  return "?";
}

std::string_view to_string(Formula f) {
  switch (f) {
    case Formula::Tian: return "tian";
    case Formula::SinSign: return "sin-sign";
    case Formula::ThetaSwap: return "theta-swap";
    case Formula::LostHalf: return "lost-half";
    case Formula::NormSwap: return "norm-swap";
    case Formula::Unscaled: return "unscaled";
  }
  return "?";
}

std::string_view to_string(Precision p) { return p == Precision::Float ? "float" : "double"; }

std::optional<Quantity> parse_quantity(std::string_view s) {
  for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss})
    if (s == to_string(q)) return q;
  return std::nullopt;
}

std::optional<Formula> parse_formula(std::string_view s) {
  for (Formula f :
       {Formula::Tian, Formula::SinSign, Formula::ThetaSwap, Formula::LostHalf, Formula::NormSwap, Formula::Unscaled})
    if (s == to_string(f)) return f;
  return std::nullopt;
}

std::optional<Precision> parse_precision(std::string_view s) {
  if (s == "float") return Precision::Float;
  if (s == "double") return Precision::Double;
  return std::nullopt;
}

void check_contract(Contract contract, Precision precision, uint64_t samples) {
  if (contract != Contract::V2) return;
  if (precision != Precision::Float)
    throw InputError("precision", fmt::format("{}: contract v2 draws and computes in float (double is v1's); use float, "
                                              "or `contract` v1",
                                              to_string(precision)));
  if (samples > kV2MaxSamples)
    throw InputError("contract", fmt::format("v2 at N = {:.4g}: its moment bias bound (|E x^2 - 1| <= {:.3g}, "
                                             "|E x^4 - 3| <= {:.3g}) stays within 0.1 standard error only up to "
                                             "N = {:.3g}; use v1, the reference for deep runs",
                                             static_cast<double>(samples), kV2SecondMomentBias, kV2FourthMomentBias,
                                             static_cast<double>(kV2MaxSamples)));
}

int64_t components(const Case& c) {
  switch (c.quantity) {
    case Quantity::Gating: return c.d;
    case Quantity::Grad: return c.K * c.d;
    case Quantity::Loss: return 1;
  }
  return 0;
}

std::vector<int64_t> shape(const Case& c) {
  switch (c.quantity) {
    case Quantity::Gating: return {c.d};
    case Quantity::Grad: return {c.K, c.d};
    case Quantity::Loss: return {};
  }
  return {};
}

namespace {

double sum_of_row_norms(const std::vector<double>& m, int64_t rows, int64_t d) {
  double s = 0;
  for (int64_t r = 0; r < rows; ++r) s += norm(m.data() + r * d, d);
  return s;
}

void validate_rows(const std::vector<double>& m, int64_t rows, int64_t d, const char* what) {
  if (static_cast<int64_t>(m.size()) != rows * d)
    throw InputError(fmt::format("{} has {} numbers, expected {} rows x d = {}", what, m.size(), rows, d));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < d; ++c)
      if (!std::isfinite(m[r * d + c]))
        throw InputError(fmt::format("{} row {} component {} is {} (must be finite)", what, r, c, m[r * d + c]));
    const double n = norm(m.data() + r * d, d);
    if (n != 0 && std::isfinite(n) && n >= 1e-150) continue;
    const double true_norm = norm_without_overflow(m.data() + r * d, d);
    if (true_norm == 0) throw InputError(fmt::format("{} row {} is the zero vector: it has no angle", what, r));
    throw InputError(fmt::format("{} row {} has norm {:g}: outside the range [1e-150, 1e+154] where its squares stay "
                                 "finite and nonzero in double", what, r, true_norm));
  }
}

}  // namespace

double magnitude(const Case& c) {
  const double s = sum_of_row_norms(c.student, c.K, c.d);
  const double t = sum_of_row_norms(c.teacher, c.Kstar, c.d);
  // Every quantity is of degree 2 in x: its size carries the input's E|x|^2/d (1 for the Gaussian).
  const double scale = input_second_moment(c.input, c.radius, c.d);
  switch (c.quantity) {
    case Quantity::Gating: return scale * s;
    case Quantity::Grad: return scale * (s + t);
    case Quantity::Loss: return scale * (s + t) * (s + t);
  }
  return 0;
}

void validate(const Case& c) {
  if (c.d < 1) throw InputError(fmt::format("dimension d = {} (must be >= 1)", c.d));
  if (c.K < 1) throw InputError(fmt::format("student units K = {} (must be >= 1)", c.K));
  if (c.Kstar < 1) throw InputError(fmt::format("teacher units K* = {} (must be >= 1)", c.Kstar));
  if (c.d > (int64_t{1} << 34)) throw InputError(fmt::format("dimension d = {} exceeds 2^34", c.d));
  const bool gating = c.quantity == Quantity::Gating;
  validate_rows(c.student, c.K, c.d, gating ? "w" : "student");
  validate_rows(c.teacher, c.Kstar, c.d, gating ? "e" : "teacher");
  if (gating && (c.K != 1 || c.Kstar != 1)) throw InputError("gating takes exactly one e and one w");
  if (has_radius(c.input) && !(c.radius >= kMinRadius && c.radius <= kMaxRadius))
    throw InputError("radius", fmt::format("{} for the {} input (must be finite, in [{:g}, {:g}])", c.radius,
                                 to_string(c.input), kMinRadius, kMaxRadius));
  if (c.samples < 2) throw InputError(fmt::format("samples = {} (must be >= 2: the standard error needs two)", c.samples));
  // At the normalised scale every row must keep its squares in range: rows too far below the largest one
  // cannot be represented beside it. And the quantity itself must be representable at the original scale.
  const CaseScale s = case_scale(c);
  const Case n = normalised(c, s);
  for (int side = 0; side < 2; ++side) {
    const std::vector<double>& m = side == 0 ? n.student : n.teacher;
    const int64_t rows = side == 0 ? c.K : c.Kstar;
    for (int64_t r = 0; r < rows; ++r)
      if (!(norm(m.data() + r * c.d, c.d) >= 1e-150))
        throw InputError(fmt::format("{} row {} is {:.3g} times the largest row: beyond the 1e150 dynamic range the "
                                     "estimator keeps in double", side == 0 ? (gating ? "w" : "student")
                                                                            : (gating ? "e" : "teacher"),
                                     r, norm_without_overflow(m.data() + r * c.d, c.d)));
  }
  const double size = magnitude(n);
  const int exp = size > 0 ? std::ilogb(size) + s.result_exp : 0;
  if (exp > 1000 || exp < -1000)
    throw InputError(fmt::format("the {} of this case is of order 2^{} (~1e{:.0f}): outside the range [2^-1000, 2^1000] "
                                 "that its estimate and standard error need in double; every quantity is homogeneous "
                                 "(gating and grad of degree 1 in the weights, loss of degree 2), so scale the weights "
                                 "towards 1", to_string(c.quantity), exp, exp * 0.30103));
}

namespace {

// The exponent k with max row norm / 2^k in [1/2, 1) (0 for no rows).
int largest_row_exponent(const std::vector<double>& m, int64_t rows, int64_t d, int k = INT32_MIN) {
  for (int64_t r = 0; r < rows; ++r) {
    const double n = norm_without_overflow(m.data() + r * d, d);
    if (n > 0 && std::isfinite(n)) k = std::max(k, std::ilogb(n) + 1);
  }
  return k;
}

}  // namespace

CaseScale case_scale(const Case& c) {
  CaseScale s;
  const int ks = largest_row_exponent(c.student, c.K, c.d), kt = largest_row_exponent(c.teacher, c.Kstar, c.d);
  if (c.quantity == Quantity::Gating) {
    s.student_exp = ks == INT32_MIN ? 0 : ks;
    s.teacher_exp = kt == INT32_MIN ? 0 : kt;
    s.result_exp = s.student_exp;
    return s;
  }
  const int k = std::max(ks, kt) == INT32_MIN ? 0 : std::max(ks, kt);
  s.student_exp = s.teacher_exp = k;
  s.result_exp = c.quantity == Quantity::Loss ? 2 * k : k;
  return s;
}

Case normalised(const Case& c, const CaseScale& s) {
  Case n = c;
  for (double& v : n.student) v = std::ldexp(v, -s.student_exp);
  for (double& v : n.teacher) v = std::ldexp(v, -s.teacher_exp);
  return n;
}

void rescale(std::vector<double>& v, int exp) {
  if (exp == 0) return;
  for (double& x : v) x = std::ldexp(x, exp);
}

std::vector<double> closed_form(const Case& original, Formula f) {
  const CaseScale scale = case_scale(original);
  std::vector<double> out = closed_form_at_scale(normalised(original, scale), f);
  rescale(out, scale.result_exp);
  return out;
}

std::vector<double> closed_form_at_scale(const Case& c, Formula f) {
  std::vector<double> out(static_cast<size_t>(components(c)), 0.0);
  switch (c.quantity) {
    case Quantity::Gating:
      add_gating_expectation(c.teacher.data(), c.student.data(), c.d, 1.0, out.data(), f);
      break;
    case Quantity::Grad:
      if (c.K == 1 && c.Kstar == 1)
        single_relu_gradient(c.student.data(), c.teacher.data(), c.d, out.data(), f);  // paper Eq. 6
      else
        population_gradient(c.student.data(), c.K, c.teacher.data(), c.Kstar, c.d, out.data(), f);
      break;
    case Quantity::Loss:
      out[0] = population_loss(c.student.data(), c.K, c.teacher.data(), c.Kstar, c.d, f);
      break;
  }
  if (c.input != InputKind::Gaussian && f != Formula::Unscaled) {
    const double scale = input_second_moment(c.input, c.radius, c.d);
    for (double& v : out) v *= scale;
  }
  return out;
}

}  // namespace relumc
