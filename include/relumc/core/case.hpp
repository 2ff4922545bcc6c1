// SPDX-License-Identifier: MIT
// A verification case: what to estimate (quantity, weights, N) and where it came from.
#pragma once

#include "relumc/core/errors.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/math/contract.hpp"
#include "relumc/math/input.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace relumc {

enum class Quantity { Gating, Grad, Loss };
enum class Precision { Float, Double };

std::string_view to_string(Quantity q);
std::string_view to_string(Formula f);
std::string_view to_string(Precision p);
std::optional<Quantity> parse_quantity(std::string_view s);
std::optional<Formula> parse_formula(std::string_view s);
std::optional<Precision> parse_precision(std::string_view s);

// The precision a contract draws in when none is chosen: v1 double, v2 float (v2 has no other).
inline Precision default_precision(Contract c) { return c == Contract::V2 ? Precision::Float : Precision::Double; }

// Whether a run may draw under `contract` in `precision` with up to `samples` samples per estimate; throws
// InputError naming the field otherwise: precision double under v2 (v2 is float only), or N past
// kV2MaxSamples under v2, where v2's moment bias bound would exceed 0.1 standard error (relumc/math/contract.hpp):
// such a case never runs on v2 silently.
void check_contract(Contract contract, Precision precision, uint64_t samples);

// Largest N the counter layout addresses in one stream (i < 2^64).
inline constexpr uint64_t kMaxSamples = ~uint64_t{0};

struct Case {
  Quantity quantity = Quantity::Grad;
  int64_t d = 1;
  int64_t K = 1;      // student rows (gating: 1, the vector w)
  int64_t Kstar = 1;  // teacher rows (gating: 1, the gate direction e)
  std::vector<double> student;  // K x d, row-major
  std::vector<double> teacher;  // Kstar x d, row-major
  uint64_t samples = 0;
  uint32_t stream = 0;  // sample stream: the case's index in its sweep
  InputKind input = InputKind::Gaussian;  // distribution of x (relumc/math/input.hpp)
  double radius = 0;                      // sphere and ball: R; 0 for the others
  // Grid coordinates, for tables and plots. angle < 0 means "not on the angle grid".
  std::string origin = "grid";  // grid | random | weights
  double angle = -1;            // gating: angle(e, w); grad/loss: angle(w_j, w*_{j mod K*})
  double norm = 0;              // |w|; grad/loss: the root-mean-square student row norm |W|_F / sqrt(K) (the
                                // grid's common row norm |w_j|)
  double ratio = 0;             // |w*| / |w| (0: not applicable)
};

// Number of components of the quantity: gating d, grad K*d, loss 1.
int64_t components(const Case& c);
// The shape written to JSON: gating {d}, grad {K, d}, loss {}.
std::vector<int64_t> shape(const Case& c);
// The natural magnitude of the quantity (sets the rounding floor of the test).
double magnitude(const Case& c);
// Throws InputError naming the bad value: d < 1, wrong sizes, NaN/inf, zero rows, N out of range,
// a sphere or ball radius outside [kMinRadius, kMaxRadius].
void validate(const Case& c);
// The closed form of the case's quantity (components(c) numbers), computed at the normalised scale
// (case_scale) and multiplied back, scaled by the input's E|x|^2/d
// (relumc/math/input.hpp): exact for gaussian, sphere and ball; for the cube the variance-scaled formula
// that its cases are measured against. Formula::Unscaled leaves the scale out (a wrong formula).
std::vector<double> closed_form(const Case& c, Formula f = Formula::Tian);
// The same at the case's own scale, without normalising (what closed_form computes on the normalised case).
std::vector<double> closed_form_at_scale(const Case& c, Formula f = Formula::Tian);
// Scale. Every quantity is homogeneous in the weights: gating of degree 1 in w and 0 in e, grad of degree 1
// and loss of degree 2 in (W, W*) together. Each case is therefore estimated, computed in closed form and
// tested at a normalised scale, its weights divided by powers of two (the largest row norm brought into
// [1/2, 1); for gating w and e each on their own), and the numbers are multiplied back by 2^result_exp:
// exact, so the estimates are bit-identical to unscaled ones wherever those were representable, and z, p and
// the verdict are the same at every accepted scale (validate refuses a case whose quantity would leave
// double's range).
struct CaseScale {
  int student_exp = 0;  // student rows (gating: w) are divided by 2^student_exp
  int teacher_exp = 0;  // teacher rows (gating: e) by 2^teacher_exp
  int result_exp = 0;   // the quantity (and its standard error) is multiplied by 2^result_exp
};
CaseScale case_scale(const Case& c);
// c with its weights divided by the powers of two of s.
Case normalised(const Case& c, const CaseScale& s);
// Multiplies each number by 2^exp (std::ldexp: exact unless it leaves the normal range).
void rescale(std::vector<double>& v, int exp);

// Whether the case is a measurement (no exact closed form: the cube) rather than a verdict.
inline bool is_measurement(const Case& c) { return !has_exact_closed_form(c.input); }

}  // namespace relumc
