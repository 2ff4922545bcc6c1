// SPDX-License-Identifier: MIT
// Best matching of student rows to teacher rows: the assignment that minimises the sum of costs.
//
// Used by the dynamics (relumc/dynamics/dynamics.hpp) to measure |w_j - w*_pi(j)| "up to permutation": the
// student recovers the teacher when some permutation pi matches every row. Greedy matching (nearest
// teacher first) is not enough: it can lock a row onto a teacher that another row needs more
// (tests/unit/test_dynamics.cpp has such cases), so the assignment is exact: brute force over all
// permutations for small sizes, the Hungarian algorithm (O(n^3)) beyond kBruteForceMax.
//
// Rectangular problems (K != K*) are padded with zero-cost dummies: with more students than teachers
// the spare students stay unmatched (-1); with fewer, the spare teachers do.
//
// Usage:
//   std::vector<double> cost = row_distances(W, K, Wstar, Kstar, d);   // K x K*, |w_j - w*_k|
//   relumc::Matching m = relumc::best_matching(cost, K, Kstar);        // m.perm[j] = k or -1
#pragma once

#include <cstdint>
#include <vector>

namespace relumc {

inline constexpr int64_t kBruteForceMax = 6;  // 720 permutations: cheap enough at every recorded step

struct Matching {
  std::vector<int64_t> perm;  // perm[j]: the teacher row matched to student row j, -1 if none
  double cost = 0;            // sum of the matched costs
};

// cost is rows x cols, row-major. With a non-finite cost (a diverged run) no assignment is defined:
// every row is unmatched (-1) and the cost is infinite (never a crash or an endless search). Ties are broken towards the lexicographically smallest
// permutation by the brute force; the Hungarian algorithm returns an optimal one (same cost).
Matching best_matching(const std::vector<double>& cost, int64_t rows, int64_t cols);
Matching best_matching_brute_force(const std::vector<double>& cost, int64_t rows, int64_t cols);
Matching best_matching_hungarian(const std::vector<double>& cost, int64_t rows, int64_t cols);

// The K x K* matrix of Euclidean distances |w_j - w*_k|.
std::vector<double> row_distances(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d);

}  // namespace relumc
