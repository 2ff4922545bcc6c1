// SPDX-License-Identifier: MIT
// Symmetric eigen-decomposition and the spectrum's signature: index and nullity under a stated,
// scale-relative tolerance. No dependency: Householder tridiagonalisation and implicit QL (EISPACK
// tred2/tql2), with cyclic Jacobi kept as the independent reference the tests compare it with. Both are
// backward stable: every eigenvalue is accurate to a few ulps of the largest |eigenvalue| (relative to it,
// not to each eigenvalue). The matrices here are Hessians of K d <= 1024 rows; QL takes about 0.05 s at
// K d = 289, Jacobi about ten times longer.
//
// Usage:
//   relumc::SymmetricEigen e = relumc::symmetric_eigen(H, n);       // e.values ascending, e.vectors
//   relumc::Signature s = relumc::signature(e.values, 1e-8);        // s.index, s.nullity, s.tolerance
//   std::vector<relumc::ComplexEigenvalue> ev = relumc::general_eigenvalues(A, n);   // nonsymmetric A
#pragma once

#include <cstdint>
#include <vector>

namespace relumc {

struct SymmetricEigen {
  std::vector<double> values;   // n eigenvalues, ascending
  std::vector<double> vectors;  // n x n row-major; column c is the unit eigenvector of values[c]
  int sweeps = 0;               // QL iterations (symmetric_eigen) or Jacobi sweeps (symmetric_eigen_jacobi)
};

// All eigenvalues and eigenvectors of the symmetric n x n row-major matrix A (only its upper triangle is
// read, so an asymmetric rounding difference is ignored), by tridiagonalisation and implicit QL; an
// off-diagonal entry counts as zero below 2^-52 times the largest |d_l| + |e_l| seen. Throws
// std::invalid_argument on a size mismatch, InputError on a non-finite entry.
SymmetricEigen symmetric_eigen(const std::vector<double>& A, int64_t n);

// The same by cyclic Jacobi: sweeps until every off-diagonal entry is below 1e-15 times the Frobenius norm
// (or 100 sweeps). The reference for tests.
SymmetricEigen symmetric_eigen_jacobi(const std::vector<double>& A, int64_t n);

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

// The eigenvalues of a general (nonsymmetric) real n x n row-major matrix: balancing (EISPACK balanc), reduction
// to upper Hessenberg form by stabilised elementary similarity transformations (elmhes: Gaussian elimination
// with partial pivoting) and the Francis double-shift QR iteration (hqr, with its exceptional shifts at
// iterations 10 and 20), in the form of Numerical Recipes (2nd ed., sections 11.5-11.6). Eigenvalues only.
// Backward stable: each eigenvalue is that of A + E with |E| a few ulps of |A|; an ill-conditioned eigenvalue
// (a non-normal matrix, a defective one) can move by more. Complex eigenvalues come in conjugate pairs
// (re, +im), (re, -im). Sorted by descending real part, then descending imaginary part. Throws
// std::invalid_argument on a size mismatch, InputError on a non-finite entry, std::runtime_error when the QR
// iteration does not converge (60 iterations for one eigenvalue: not seen on a real matrix).
struct ComplexEigenvalue {
  double re = 0, im = 0;
};
std::vector<ComplexEigenvalue> general_eigenvalues(const std::vector<double>& A, int64_t n);

}  // namespace relumc
