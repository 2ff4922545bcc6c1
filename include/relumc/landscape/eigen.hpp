// SPDX-License-Identifier: MIT
// Symmetric eigen-decomposition (cyclic Jacobi) and the spectrum's signature: index and nullity under a
// stated, scale-relative tolerance. No dependency: the matrices here are Hessians of K d <= a few
// hundred rows, where Jacobi is accurate to a few ulps of the largest |eigenvalue| (relative to it, not
// to each eigenvalue) and fast enough.
//
// Usage:
//   relumc::SymmetricEigen e = relumc::symmetric_eigen(H, n);       // e.values ascending, e.vectors
//   relumc::Signature s = relumc::signature(e.values, 1e-8);        // s.index, s.nullity, s.tolerance
#pragma once

#include <cstdint>
#include <vector>

namespace relumc {

struct SymmetricEigen {
  std::vector<double> values;   // n eigenvalues, ascending
  std::vector<double> vectors;  // n x n row-major; column c is the unit eigenvector of values[c]
  int sweeps = 0;               // Jacobi sweeps used
};

// All eigenvalues and eigenvectors of the symmetric n x n row-major matrix A (only its upper triangle is
// read, so an asymmetric rounding difference is ignored). Sweeps until every off-diagonal entry is below
// 1e-15 times the Frobenius norm (or 100 sweeps). Throws std::invalid_argument on a size mismatch and
// InputError on a non-finite entry.
SymmetricEigen symmetric_eigen(const std::vector<double>& A, int64_t n);

// Signature of a spectrum. tolerance = rel_tol * max |lambda| (scale-relative; 0 for the zero matrix):
// index = #{lambda < -tolerance}, nullity = #{|lambda| <= tolerance}, the rest positive.
struct Signature {
  int64_t index = 0;
  int64_t nullity = 0;
  int64_t positive = 0;
  double tolerance = 0;  // absolute
  double rel_tol = 0;    // as given
  double scale = 0;      // max |lambda|
};
Signature signature(const std::vector<double>& eigenvalues, double rel_tol);

}  // namespace relumc
