// SPDX-License-Identifier: MIT
// Suite files: strict parsing and validation (schema in docs/regression-suites.md).
// Comments (// and /* */) are allowed, so a suite can explain itself; everything else is plain JSON.
#include "relumc/core/hash.hpp"
#include "relumc/io/json.hpp"
#include "relumc/regress/suite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

namespace relumc {

std::string_view to_string(ThroughputStatistic s) { return s == ThroughputStatistic::Best ? "best" : "median"; }

std::string_view to_string(ThroughputGate g) {
  switch (g) {
    case ThroughputGate::SameMachine: return "same-machine";
    case ThroughputGate::Always: return "always";
    case ThroughputGate::Never: return "never";
  }
  return "?";
}

std::optional<ThroughputGate> parse_throughput_gate(std::string_view s) {
  for (ThroughputGate g : {ThroughputGate::SameMachine, ThroughputGate::Always, ThroughputGate::Never})
    if (s == to_string(g)) return g;
  return std::nullopt;
}

namespace {

using detail::Fields;
using detail::parse_json_strict;
using detail::read_input_file;
using nlohmann::json;

// A named choice: the string must be one of `allowed` (parse returns nullopt otherwise).
template <class T, class Parse>
T choice(Fields& f, const std::string& key, T def, Parse parse, const char* allowed) {
  const json* v = f.get(key, false);
  if (!v) return def;
  if (!v->is_string()) f.fail(f.at(key), *v, fmt::format("expected one of {}", allowed));
  const auto x = parse(v->get<std::string>());
  if (!x) f.fail(f.at(key), *v, fmt::format("not one of {}", allowed));
  return *x;
}

std::vector<double> numbers(Fields& f, const std::string& key, std::vector<double> def, double lo, double hi,
                            bool lo_open, const char* range) {
  const json* a = f.array(key, false);
  if (!a) return def;
  std::vector<double> out;
  for (size_t k = 0; k < a->size(); ++k) {
    const std::string path = fmt::format("{}[{}]", f.at(key), k);
    const double v = f.number_value((*a)[k], path);
    if (v < lo || v > hi || (lo_open && v == lo)) f.fail(path, (*a)[k], fmt::format("must be in {}", range));
    out.push_back(v);
  }
  return out;
}

std::vector<int64_t> integers(Fields& f, const std::string& key, bool required, std::vector<int64_t> def, int64_t lo,
                              int64_t hi) {
  const json* a = f.array(key, required);
  if (!a) return def;
  std::vector<int64_t> out;
  for (size_t k = 0; k < a->size(); ++k)
    out.push_back(f.integer_value((*a)[k], fmt::format("{}[{}]", f.at(key), k), lo, hi));
  return out;
}

// A sample count: an integer >= 2 written as a JSON number, or a string like "1e9" (parse_samples).
uint64_t sample_count(Fields& f, const json& v, const std::string& path) {
  uint64_t n = 0;
  if (v.is_string()) {
    try {
      n = parse_samples(v.get<std::string>());
    } catch (const InputError& e) {
      f.fail(path, v, e.detail());
    }
  } else if (v.is_number_unsigned()) {
    n = v.get<uint64_t>();
  } else if (v.is_number_float() && v.get<double>() >= 2 && v.get<double>() < 18446744073709551616.0 &&
             v.get<double>() == std::floor(v.get<double>())) {
    n = static_cast<uint64_t>(v.get<double>());
  } else {
    f.fail(path, v, "expected a sample count: an integer >= 2, or a string like \"1e9\"");
  }
  if (n < 2) f.fail(path, v, "a sample count must be >= 2");
  return n;
}

std::vector<Quantity> quantities(Fields& f) {
  const json* a = f.array("quantities", true);
  std::vector<Quantity> out;
  for (size_t k = 0; k < a->size(); ++k) {
    const json& v = (*a)[k];
    const auto q = v.is_string() ? parse_quantity(v.get<std::string>()) : std::nullopt;
    if (!q) f.fail(fmt::format("{}[{}]", f.at("quantities"), k), v, "not one of gating, grad, loss");
    out.push_back(*q);
  }
  return out;
}

CaseGroup parse_group(const json& j, const std::string& where, size_t g, const Suite& s) {
  Fields f(j, where, fmt::format("groups[{}]", g));
  CaseGroup grp;
  grp.name = f.string("name", false);
  GridSpec& spec = grp.grid;
  spec.quantities = quantities(f);
  spec.dims = integers(f, "dims", true, {}, 1, int64_t{1} << 24);
  spec.units = integers(f, "units", false, {1}, 1, 4096);
  spec.teacher_units = integers(f, "teacher_units", false, {1}, 1, 4096);
  if (f.has("angles") && f.has("angle_steps"))
    f.fail(f.at("angle_steps"), j["angle_steps"], "give either angles or angle_steps, not both");
  if (f.has("angles"))
    spec.angles = numbers(f, "angles", {}, 0, kPi, false, "[0, pi]");
  else
    spec.angles = angle_steps(static_cast<int>(f.integer("angle_steps", false, 7, 1, 1000000)));
  spec.norms = numbers(f, "norms", {0.5, 1.0, 2.0}, 0, 1e150, true, "(0, 1e150]");
  spec.ratios = numbers(f, "ratios", {1.5}, 0, 1e150, true, "(0, 1e150]");
  spec.random_cases = static_cast<int>(f.integer("random_cases", false, 0, 0, 1000000));
  const json* samples = f.array("samples", true);
  spec.samples.clear();
  for (size_t k = 0; k < samples->size(); ++k)
    spec.samples.push_back(sample_count(f, (*samples)[k], fmt::format("{}[{}]", f.at("samples"), k)));
  grp.formula = choice<Formula>(f, "formula", Formula::Tian, parse_formula,
                                "tian, sin-sign, theta-swap, lost-half, norm-swap");
  spec.input = choice<InputKind>(f, "input", InputKind::Gaussian, parse_input, "gaussian, sphere, ball, cube");
  if (f.has("radius")) spec.radius = f.number("radius", true);
  f.reject_unknown();
  // Whatever the grid itself refuses (an angle other than 0, pi in d = 1, too many cases) is named here,
  // before anything runs.
  try {
    const std::vector<Case> cases = build_grid(spec, s.seed);
    if (cases.size() > kMaxGroupCases)
      throw InputError(fmt::format("{} cases (at most {} per group: split it)", cases.size(), kMaxGroupCases));
  } catch (const InputError& e) {
    // The grid's fields are this group's keys: named as they are written in the suite.
    throw InputError(fmt::format("{}: groups[{}]: {}", where, g,
                                 render_fields(e.what(), [](std::string_view key) { return std::string(key); })));
  }
  return grp;
}

// Refuses (InputError naming the key) a contract that cannot run these settings (check_contract).
void check_contract_at(Fields& f, const json& j, const char* key, Contract contract, Precision precision,
                       uint64_t samples) {
  try {
    check_contract(contract, precision, samples);
  } catch (const InputError& e) {
    const std::string k = e.field() == "precision" && j.contains("precision") ? "precision" : key;
    f.fail(f.at(k), j.contains(k) ? j[k] : json(std::string(to_string(contract))), e.detail());
  }
}

ThroughputCheck parse_check(const json& j, const std::string& where, size_t t, const Suite& s,
                            std::optional<Contract> contract) {
  Fields f(j, where, fmt::format("throughput[{}]", t));
  ThroughputCheck c;
  c.name = f.string("name", false);
  c.quantity = choice<Quantity>(f, "quantity", Quantity::Grad, parse_quantity, "gating, grad, loss");
  if (!f.has("quantity")) f.missing("quantity");
  c.d = f.integer("d", true, 1, 1, int64_t{1} << 24);
  c.K = f.integer("K", false, 1, 1, 4096);
  c.Kstar = f.integer("K_star", false, 1, 1, 4096);
  if (c.quantity == Quantity::Gating && (c.K != 1 || c.Kstar != 1))
    f.fail(f.at(c.K != 1 ? "K" : "K_star"), j[c.K != 1 ? "K" : "K_star"], "gating has K = K* = 1");
  const json* n = f.get("samples", true);
  c.samples = sample_count(f, *n, f.at("samples"));
  c.contract = contract ? *contract : choice<Contract>(f, "contract", s.contract, parse_contract, "v1, v2");
  if (contract) f.get("contract", false);  // replaced: counted as known
  c.precision = choice<Precision>(f, "precision", c.contract == s.contract ? s.precision : default_precision(c.contract),
                                  parse_precision, "float, double");
  if (contract == Contract::V2) c.precision = Precision::Float;  // replaced by v2: the file's precision is v1's
  check_contract_at(f, j, "contract", c.contract, c.precision, c.samples);
  c.repetitions = static_cast<int>(f.integer("repetitions", false, 3, 1, 1000));
  c.statistic = choice<ThroughputStatistic>(
      f, "statistic", ThroughputStatistic::Best,
      [](const std::string& x) -> std::optional<ThroughputStatistic> {
        if (x == "best") return ThroughputStatistic::Best;
        if (x == "median") return ThroughputStatistic::Median;
        return std::nullopt;
      },
      "best, median");
  f.reject_unknown();
  return c;
}

}  // namespace

Suite parse_suite(const std::string& text, const std::string& where, std::optional<Contract> contract) {
  const json j = parse_json_strict(text, where, /*comments=*/true);
  Fields f(j, where, "");
  Suite s;
  s.name = f.string("suite", true);
  static const std::regex name_ok("[A-Za-z0-9._-]{1,64}");
  if (!std::regex_match(s.name, name_ok))
    f.fail("suite", j["suite"], "a suite name is 1-64 characters from A-Z a-z 0-9 . _ -");
  s.description = f.string("description", false);
  if (const json* seed = f.get("seed", false)) {
    if (!seed->is_number_unsigned()) f.fail("seed", *seed, "expected an integer in [0, 2^64)");
    s.seed = seed->get<uint64_t>();
  }
  s.alpha = f.number("alpha", false, 0.01);
  if (!(s.alpha > 0 && s.alpha < 1)) f.fail("alpha", j["alpha"], "must be in (0, 1)");
  s.backend = choice<Backend>(f, "backend", Backend::Auto, parse_backend, "auto, cpu, cuda");
  s.contract = contract ? *contract : choice<Contract>(f, "contract", Contract::V1, parse_contract, "v1, v2");
  if (contract) f.get("contract", false);  // replaced: counted as known
  s.precision = choice<Precision>(f, "precision", default_precision(s.contract), parse_precision, "float, double");
  if (contract == Contract::V2) s.precision = Precision::Float;  // replaced by v2: the file's precision is v1's
  s.cpu_kernel = choice<CpuKernel>(f, "cpu_kernel", CpuKernel::Auto, parse_cpu_kernel, "auto, simd, scalar");
  s.threads = static_cast<int>(f.integer("threads", false, 0, 0, 4096));
  s.throughput_tolerance = f.number("throughput_tolerance", false, 0.25);
  if (!(s.throughput_tolerance >= 0 && s.throughput_tolerance < 1))
    f.fail("throughput_tolerance", j["throughput_tolerance"], "must be in [0, 1) (0.25: a drop of more than 25% fails)");
  s.throughput_gate = choice<ThroughputGate>(f, "throughput_gate", ThroughputGate::SameMachine, parse_throughput_gate,
                                             "same-machine, always, never");
  const json* groups = f.array("groups", false, /*allow_empty=*/true);
  const json* checks = f.array("throughput", false, /*allow_empty=*/true);
  if ((!groups || groups->empty()) && (!checks || checks->empty()))
    throw InputError(fmt::format("{}: groups: a suite needs at least one case group or throughput check", where));
  if (groups && groups->size() > kMaxSuiteGroups)
    f.fail("groups", *groups, fmt::format("at most {} groups", kMaxSuiteGroups));
  f.reject_unknown();
  for (size_t g = 0; groups && g < groups->size(); ++g) {
    s.groups.push_back(parse_group((*groups)[g], where, g, s));
    uint64_t largest = 0;
    for (uint64_t n : s.groups.back().grid.samples) largest = std::max(largest, n);
    check_contract_at(f, j, "contract", s.contract, s.precision, largest);
  }
  for (size_t t = 0; checks && t < checks->size(); ++t)
    s.throughput.push_back(parse_check((*checks)[t], where, t, s, contract));
  s.digest = fmt::format("{:016x}", fnv1a(j.dump()));
  return s;
}

Suite load_suite(const std::string& path, std::optional<Contract> contract) {
  return parse_suite(read_input_file(path, "suite file"), path, contract);
}

std::vector<Case> group_cases(const Suite& s, size_t g) {
  std::vector<Case> cases = build_grid(s.groups.at(g).grid, s.seed);
  for (size_t k = 0; k < cases.size(); ++k) cases[k].stream = static_cast<uint32_t>((g << 20) + k);
  return cases;
}

}  // namespace relumc
