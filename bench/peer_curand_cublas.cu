// SPDX-License-Identifier: MIT
// Peer: the grad estimate the way a CUDA C++ user writes it today, in separate passes per chunk:
//   cuRAND host API (Philox4_32_10, double normals into X) -> cuBLAS DGEMM (P = [W; W*] X) ->
//   Thrust (coefficients C, squares) -> cuBLAS DGEMM (S += C X^T, Q += C^2 (X^2)^T).
// X is written to device memory and read back by every pass: what relumc's fused kernel avoids.
//   peer_curand_cublas WEIGHTS_FILE d K N seed   (WEIGHTS_FILE: 2 K d doubles, W then W*, row-major)
// Prints one JSON object: samples_per_s (CUDA events around the whole estimate), mean, se (K x d).
// Used by bench/peers_gpu.py (peer "curand"); exit 2 on bad input or a CUDA/cuBLAS/cuRAND error.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <curand.h>
#include <thrust/device_ptr.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#define CHECK(call, ok)                                                                           \
  do {                                                                                            \
    if ((call) != (ok)) {                                                                         \
      std::fprintf(stderr, "peer_curand_cublas: %s failed at %s:%d\n", #call, __FILE__, __LINE__); \
      std::exit(2);                                                                               \
    }                                                                                             \
  } while (0)
#define CUDA(call) CHECK(call, cudaSuccess)
#define BLAS(call) CHECK(call, CUBLAS_STATUS_SUCCESS)
#define RAND(call) CHECK(call, CURAND_STATUS_SUCCESS)

// Column i of P (2K values: K student projections, then K teacher ones) -> column i of C (K values).
struct Coefficients {
  const double* P;
  double* C;
  int K;
  __device__ void operator()(long long i) const {
    const double* p = P + i * 2 * K;
    double r = 0;
    for (int j = 0; j < K; ++j) r += p[j] > 0 ? p[j] : 0.0;
    for (int k = 0; k < K; ++k) r -= p[K + k] > 0 ? p[K + k] : 0.0;
    for (int j = 0; j < K; ++j) C[i * K + j] = p[j] > 0 ? r : 0.0;
  }
};
struct Square {
  __device__ double operator()(double v) const { return v * v; }
};

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: peer_curand_cublas WEIGHTS_FILE d K N seed\n");
    return 2;
  }
  const int d = std::atoi(argv[2]), K = std::atoi(argv[3]);
  const long long N = std::atoll(argv[4]);
  const unsigned long long seed = std::strtoull(argv[5], nullptr, 10);
  if (d < 1 || K < 1 || N < 2) {
    std::fprintf(stderr, "peer_curand_cublas: need d >= 1, K >= 1, N >= 2\n");
    return 2;
  }
  std::vector<double> w(2 * static_cast<size_t>(K) * d);
  std::ifstream in(argv[1]);
  for (double& v : w)
    if (!(in >> v)) {
      std::fprintf(stderr, "peer_curand_cublas: %s: expected %zu numbers\n", argv[1], w.size());
      return 2;
    }
  // Column-major A (2K x d): A(u, k) = row u of [W; W*], coordinate k.
  std::vector<double> A(w.size());
  for (int u = 0; u < 2 * K; ++u)
    for (int k = 0; k < d; ++k) A[static_cast<size_t>(k) * 2 * K + u] = w[static_cast<size_t>(u) * d + k];
  const long long chunk = std::max<long long>(1024, (1LL << 26) / d);
  const long long cap = std::min(chunk, N);
  double *dA, *X, *X2, *P, *C, *C2, *S, *Q;
  CUDA(cudaMalloc(&dA, A.size() * sizeof(double)));
  CUDA(cudaMalloc(&X, (cap * d + 1) * sizeof(double)));  // +1: cuRAND draws normals in pairs
  CUDA(cudaMalloc(&X2, cap * d * sizeof(double)));
  CUDA(cudaMalloc(&P, cap * 2 * K * sizeof(double)));
  CUDA(cudaMalloc(&C, cap * K * sizeof(double)));
  CUDA(cudaMalloc(&C2, cap * K * sizeof(double)));
  CUDA(cudaMalloc(&S, static_cast<size_t>(K) * d * sizeof(double)));
  CUDA(cudaMalloc(&Q, static_cast<size_t>(K) * d * sizeof(double)));
  CUDA(cudaMemcpy(dA, A.data(), A.size() * sizeof(double), cudaMemcpyHostToDevice));
  cublasHandle_t blas;
  BLAS(cublasCreate(&blas));
  curandGenerator_t gen;
  RAND(curandCreateGenerator(&gen, CURAND_RNG_PSEUDO_PHILOX4_32_10));
  cudaEvent_t t0, t1;
  CUDA(cudaEventCreate(&t0));
  CUDA(cudaEventCreate(&t1));
  auto estimate = [&](long long n_total) {
    RAND(curandSetPseudoRandomGeneratorSeed(gen, seed));
    RAND(curandSetGeneratorOffset(gen, 0));
    CUDA(cudaMemset(S, 0, static_cast<size_t>(K) * d * sizeof(double)));
    CUDA(cudaMemset(Q, 0, static_cast<size_t>(K) * d * sizeof(double)));
    const double one = 1.0, zero = 0.0;
    for (long long done = 0; done < n_total; done += chunk) {
      const long long m = std::min(chunk, n_total - done);
      RAND(curandGenerateNormalDouble(gen, X, static_cast<size_t>((m * d + 1) / 2 * 2), 0.0, 1.0));
      // P (2K x m) = A (2K x d) X (d x m); X column-major d x m: sample i is column i.
      BLAS(cublasDgemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, 2 * K, static_cast<int>(m), d, &one, dA, 2 * K, X, d, &zero, P, 2 * K));
      thrust::for_each(thrust::counting_iterator<long long>(0), thrust::counting_iterator<long long>(m), Coefficients{P, C, K});
      thrust::transform(thrust::device_pointer_cast(C), thrust::device_pointer_cast(C + m * K), thrust::device_pointer_cast(C2), Square{});
      thrust::transform(thrust::device_pointer_cast(X), thrust::device_pointer_cast(X + m * d), thrust::device_pointer_cast(X2), Square{});
      // S (K x d) += C (K x m) X^T (m x d); Q likewise with squares.
      BLAS(cublasDgemm(blas, CUBLAS_OP_N, CUBLAS_OP_T, K, d, static_cast<int>(m), &one, C, K, X, d, &one, S, K));
      BLAS(cublasDgemm(blas, CUBLAS_OP_N, CUBLAS_OP_T, K, d, static_cast<int>(m), &one, C2, K, X2, d, &one, Q, K));
    }
    CUDA(cudaGetLastError());
  };
  estimate(std::min(chunk, N));  // warm-up
  CUDA(cudaEventRecord(t0));
  estimate(N);
  CUDA(cudaEventRecord(t1));
  CUDA(cudaEventSynchronize(t1));
  float ms = 0;
  CUDA(cudaEventElapsedTime(&ms, t0, t1));
  std::vector<double> s(static_cast<size_t>(K) * d), q(s.size());
  CUDA(cudaMemcpy(s.data(), S, s.size() * sizeof(double), cudaMemcpyDeviceToHost));
  CUDA(cudaMemcpy(q.data(), Q, q.size() * sizeof(double), cudaMemcpyDeviceToHost));
  // S, Q are column-major K x d: component (j, k) at k * K + j; printed row-major as [j][k].
  std::printf("{\"samples_per_s\": %.6g, \"wall_s\": %.6g, \"mean\": [", N / (ms / 1e3), ms / 1e3);
  const double n = static_cast<double>(N);
  for (int j = 0; j < K; ++j) {
    std::printf("%s[", j ? "," : "");
    for (int k = 0; k < d; ++k) std::printf("%s%.17g", k ? "," : "", s[static_cast<size_t>(k) * K + j] / n);
    std::printf("]");
  }
  std::printf("], \"se\": [");
  for (int j = 0; j < K; ++j) {
    std::printf("%s[", j ? "," : "");
    for (int k = 0; k < d; ++k) {
      const double sum = s[static_cast<size_t>(k) * K + j], mean = sum / n;
      const double var = std::max(0.0, (q[static_cast<size_t>(k) * K + j] - sum * mean) / (n - 1));
      std::printf("%s%.17g", k ? "," : "", std::sqrt(var / n));
    }
    std::printf("]");
  }
  std::printf("]}\n");
  return 0;
}
