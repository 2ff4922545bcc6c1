#include <gtest/gtest.h>
#include "relumc/estimate.hpp"
#include "relumc/sweep.hpp"
#include <chrono>
TEST(Probe, Speed) {
  for (auto q : {relumc::Quantity::Gating, relumc::Quantity::Grad, relumc::Quantity::Loss})
  for (int64_t d : {2, 7, 33, 200}) for (auto p : {relumc::Precision::Double, relumc::Precision::Float}) {
    relumc::GridSpec s; s.quantities={q}; s.angles={1.0}; s.norms={1.0}; s.dims={d}; s.units={4}; s.teacher_units={2};
    s.samples={uint64_t(2e6)};
    auto cs = relumc::build_grid(s, 1);
    auto t0 = std::chrono::steady_clock::now();
    relumc::EstimateOptions o; o.threads=2; o.precision=p;
    auto e = relumc::estimate_cpu(cs[0], o);
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now()-t0).count();
    printf("%s d=%ld %s: %.3g samples/s  %.3g normals/s\n", std::string(relumc::to_string(q)).c_str(), d, std::string(relumc::to_string(p)).c_str(), 2e6/sec, 2e6*((d+3)/4*4)/sec);
  }
}
