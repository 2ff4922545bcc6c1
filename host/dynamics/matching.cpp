// SPDX-License-Identifier: MIT
// Exact assignment: brute force over permutations (small n) and the Hungarian algorithm.
#include "relumc/dynamics/matching.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace relumc {

namespace {

// Square n x n cost, padding the rectangular rows x cols problem with zero-cost dummies.
std::vector<double> padded(const std::vector<double>& cost, int64_t rows, int64_t cols, int64_t n) {
  std::vector<double> c(static_cast<size_t>(n * n), 0.0);
  for (int64_t j = 0; j < rows; ++j)
    for (int64_t k = 0; k < cols; ++k) c[j * n + k] = cost[j * cols + k];
  return c;
}

Matching unpad(const std::vector<int64_t>& assign, const std::vector<double>& cost, int64_t rows, int64_t cols) {
  Matching m;
  m.perm.assign(static_cast<size_t>(rows), -1);
  for (int64_t j = 0; j < rows; ++j) {
    const int64_t k = assign[j];
    if (k < cols) {
      m.perm[j] = k;
      m.cost += cost[j * cols + k];
    }
  }
  return m;
}

// No assignment is defined over a non-finite cost (a diverged run): every row unmatched, cost infinite.
bool undefined(const std::vector<double>& cost, int64_t rows, Matching* m) {
  for (double v : cost)
    if (!std::isfinite(v)) {
      m->perm.assign(static_cast<size_t>(rows), -1);
      m->cost = std::numeric_limits<double>::infinity();
      return true;
    }
  return false;
}

// |a - b| scaled by the largest difference, for rows so large (|w| > ~1e154) that the squares overflow;
// infinite only when a difference is.
double scaled_distance(const double* a, const double* b, int64_t d) {
  double scale = 0;
  for (int64_t c = 0; c < d; ++c) scale = std::max(scale, std::fabs(a[c] - b[c]));
  if (!std::isfinite(scale) || scale == 0) return scale;
  double s = 0;
  for (int64_t c = 0; c < d; ++c) {
    const double t = (a[c] - b[c]) / scale;
    s += t * t;
  }
  return scale * std::sqrt(s);
}

}  // namespace

Matching best_matching_brute_force(const std::vector<double>& cost, int64_t rows, int64_t cols) {
  if (Matching m; undefined(cost, rows, &m)) return m;
  const int64_t n = std::max(rows, cols);
  const std::vector<double> c = padded(cost, rows, cols, n);
  std::vector<int64_t> p(static_cast<size_t>(n)), best;
  std::iota(p.begin(), p.end(), 0);
  double best_cost = std::numeric_limits<double>::infinity();
  do {  // permutations in lexicographic order: the first optimum found is kept
    double s = 0;
    for (int64_t j = 0; j < n; ++j) s += c[j * n + p[j]];
    if (s < best_cost) best_cost = s, best = p;
  } while (std::next_permutation(p.begin(), p.end()));
  return unpad(best, cost, rows, cols);
}

// The O(n^3) Hungarian algorithm with potentials (Kuhn-Munkres, shortest augmenting paths).
Matching best_matching_hungarian(const std::vector<double>& cost, int64_t rows, int64_t cols) {
  if (Matching m; undefined(cost, rows, &m)) return m;
  const int64_t n = std::max(rows, cols);
  const std::vector<double> c = padded(cost, rows, cols, n);
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based as in the classical formulation: column 0 is the virtual start of each augmenting path.
  std::vector<double> u(n + 1, 0), v(n + 1, 0), minv(n + 1);
  std::vector<int64_t> match_col(n + 1, 0), way(n + 1, 0);  // match_col[k]: row matched to column k
  std::vector<char> used(n + 1);
  for (int64_t i = 1; i <= n; ++i) {
    match_col[0] = i;
    int64_t k0 = 0;
    std::fill(minv.begin(), minv.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[k0] = 1;
      const int64_t i0 = match_col[k0];
      double delta = inf;
      int64_t k1 = 0;
      for (int64_t k = 1; k <= n; ++k) {
        if (used[k]) continue;
        const double cur = c[(i0 - 1) * n + (k - 1)] - u[i0] - v[k];
        if (cur < minv[k]) minv[k] = cur, way[k] = k0;
        if (minv[k] < delta) delta = minv[k], k1 = k;
      }
      for (int64_t k = 0; k <= n; ++k) {
        if (used[k]) u[match_col[k]] += delta, v[k] -= delta;
        else minv[k] -= delta;
      }
      k0 = k1;
    } while (match_col[k0] != 0);
    do {
      const int64_t k1 = way[k0];
      match_col[k0] = match_col[k1];
      k0 = k1;
    } while (k0);
  }
  std::vector<int64_t> assign(static_cast<size_t>(n));
  for (int64_t k = 1; k <= n; ++k) assign[match_col[k] - 1] = k - 1;
  return unpad(assign, cost, rows, cols);
}

Matching best_matching(const std::vector<double>& cost, int64_t rows, int64_t cols) {
  return std::max(rows, cols) <= kBruteForceMax ? best_matching_brute_force(cost, rows, cols)
                                                : best_matching_hungarian(cost, rows, cols);
}

std::vector<double> row_distances(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d) {
  std::vector<double> out(static_cast<size_t>(K * Kstar));
  for (int64_t j = 0; j < K; ++j)
    for (int64_t k = 0; k < Kstar; ++k) {
      double s = 0;
      for (int64_t c = 0; c < d; ++c) {
        const double t = W[j * d + c] - Wstar[k * d + c];
        s += t * t;
      }
      out[j * Kstar + k] = std::isfinite(s) ? std::sqrt(s) : scaled_distance(W + j * d, Wstar + k * d, d);
    }
  return out;
}

}  // namespace relumc
