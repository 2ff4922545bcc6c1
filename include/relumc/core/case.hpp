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
  double norm = 0;              // |w| (grad/loss: |w_j| of the grid construction)
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
// The closed form of the case's quantity (components(c) numbers), scaled by the input's E|x|^2/d
// (relumc/math/input.hpp): exact for gaussian, sphere and ball; for the cube the variance-scaled formula
// that its cases are measured against. Formula::Unscaled leaves the scale out (a wrong formula).
std::vector<double> closed_form(const Case& c, Formula f = Formula::Tian);
// Whether the case is a measurement (no exact closed form: the cube) rather than a verdict.
inline bool is_measurement(const Case& c) { return !has_exact_closed_form(c.input); }

}  // namespace relumc
