// SPDX-License-Identifier: MIT
// The generic CPU chunk kernel (see host/cpu_kernel.hpp for the contract and summation order).
//
// Included, without an include guard, after relumc/detail/lane_math-inl.hpp in a namespace that
// provides the lane operations and three backend pieces:
//   PhiloxLanes(dw, seed, stream, first, j, r0, r1, r2, r3)  words of block j of samples first + lane
//   UniformFromWord(d, r)                                     the contract's uniform of a word
//   ToDouble(d64, v)                                          lanes of T widened to double
// A tile is Lanes(d) samples: the kernel draws their d coordinates into X (coordinate-major, lanes
// innermost), projects them on every row, forms the per-sample coefficients, and adds coefficient
// times x into the lane partials. X is one tile, never the chunk.

template <class D, class V>
RELUMC_LANE_FN void StoreCoordinates(D d, int64_t n, V z0, V z1, V z2, V z3, TFromD<D>* x) {
  const size_t L = Lanes(d);
  StoreU(z0, d, x);
  if (n > 1) StoreU(z1, d, x + L);
  if (n > 2) StoreU(z2, d, x + 2 * L);
  if (n > 3) StoreU(z3, d, x + 3 * L);
}

// Coordinates 0..dim-1 of samples first .. first + Lanes(d) - 1 into X.
template <class D, class DW>
RELUMC_LANE_FN void DrawTile(D d, DW dw, const ChunkArgs<TFromD<D>>& a, uint64_t first, TFromD<D>* X) {
  const size_t L = Lanes(d);
  for (int64_t j = 0; 4 * j < a.d; ++j) {
    decltype(Zero(dw)) r0, r1, r2, r3;
    PhiloxLanes(dw, a.seed, a.stream, first, static_cast<uint32_t>(j), r0, r1, r2, r3);
    decltype(Zero(d)) z0, z1, z2, z3;
    BoxMuller(d, UniformFromWord(d, r0), UniformFromWord(d, r1), z0, z1);
    BoxMuller(d, UniformFromWord(d, r2), UniformFromWord(d, r3), z2, z3);
    StoreCoordinates(d, a.d - 4 * j, z0, z1, z2, z3, X + 4 * j * static_cast<int64_t>(L));
  }
}

// P[u] = rows[u] . x for every row u, each a fused multiply-add chain in coordinate order. Four rows
// share one pass over X; the order within each row is the same as one row alone.
template <class D>
RELUMC_LANE_FN void Project(D d, const TFromD<D>* rows, int64_t units, int64_t dim, const TFromD<D>* X,
                            TFromD<D>* P) {
  const int64_t L = static_cast<int64_t>(Lanes(d));
  int64_t u = 0;
  for (; u + 4 <= units; u += 4) {
    const TFromD<D>* w = rows + u * dim;
    auto p0 = Zero(d), p1 = Zero(d), p2 = Zero(d), p3 = Zero(d);
    for (int64_t k = 0; k < dim; ++k) {
      const auto x = LoadU(d, X + k * L);
      p0 = MulAdd(Set(d, w[k]), x, p0);
      p1 = MulAdd(Set(d, w[dim + k]), x, p1);
      p2 = MulAdd(Set(d, w[2 * dim + k]), x, p2);
      p3 = MulAdd(Set(d, w[3 * dim + k]), x, p3);
    }
    StoreU(p0, d, P + u * L);
    StoreU(p1, d, P + (u + 1) * L);
    StoreU(p2, d, P + (u + 2) * L);
    StoreU(p3, d, P + (u + 3) * L);
  }
  for (; u < units; ++u) {
    const TFromD<D>* w = rows + u * dim;
    auto p = Zero(d);
    for (int64_t k = 0; k < dim; ++k) p = MulAdd(Set(d, w[k]), LoadU(d, X + k * L), p);
    StoreU(p, d, P + u * L);
  }
}

// S[lane] += v, Q[lane] += v^2 (fused), for the Lanes(d64) partials starting at S and Q.
template <class D64, class V>
RELUMC_LANE_FN void AddToPartials(D64 d64, V v, double* S, double* Q) {
  StoreU(LoadU(d64, S) + v, d64, S);
  StoreU(MulAdd(v, v, LoadU(d64, Q)), d64, Q);
}

template <class D, class DW, class D64>
RELUMC_LANE_FN void AccumulateChunkLanes(D d, DW dw, D64 d64, const ChunkArgs<TFromD<D>>& a, uint64_t begin,
                                         uint64_t end, double* S, double* Q, std::atomic<uint64_t>* done) {
  using T = TFromD<D>;
  const int64_t L = static_cast<int64_t>(Lanes(d));
  const int64_t dim = a.d, units = a.K + a.Kstar;
  const int64_t coef_rows = a.quantity == Quantity::Grad ? a.K : 1;
  std::vector<T> X(static_cast<size_t>(dim * L)), P(static_cast<size_t>(units * L)),
      C(static_cast<size_t>(coef_rows * L));
  uint64_t since_report = 0;
  for (uint64_t first = begin; first < end; first += static_cast<uint64_t>(L)) {
    const int64_t lane0 = static_cast<int64_t>((first - begin) % kPartialLanes);
    const uint64_t n = end - first < static_cast<uint64_t>(L) ? end - first : static_cast<uint64_t>(L);
    const auto valid = FirstN(d, static_cast<size_t>(n));
    DrawTile(d, dw, a, first, X.data());
    Project(d, a.rows, units, dim, X.data(), P.data());
    const T* p = P.data();
    const T* q = P.data() + a.K * L;
    switch (a.quantity) {
      case Quantity::Loss: {
        const auto v = IfThenElseZero(valid, SampleLoss(d, Residual(d, p, a.K, q, a.Kstar)));
        AddToPartials(d64, ToDouble(d64, v), S + lane0, Q + lane0);
        break;
      }
      case Quantity::Gating:
        StoreU(IfThenElseZero(valid, GatingCoefficient(d, LoadU(d, q), LoadU(d, p))), d, C.data());
        break;
      case Quantity::Grad: {
        const auto r = Residual(d, p, a.K, q, a.Kstar);
        for (int64_t j = 0; j < a.K; ++j)
          StoreU(IfThenElseZero(valid, GradientCoefficient(d, LoadU(d, p + j * L), r)), d, C.data() + j * L);
        break;
      }
    }
    if (a.quantity != Quantity::Loss) {
      for (int64_t j = 0; j < coef_rows; ++j) {
        const auto c = LoadU(d, C.data() + j * L);
        double* Sj = S + j * dim * static_cast<int64_t>(kPartialLanes) + lane0;
        double* Qj = Q + j * dim * static_cast<int64_t>(kPartialLanes) + lane0;
        for (int64_t k = 0; k < dim; ++k) {
          const int64_t at = k * static_cast<int64_t>(kPartialLanes);
          AddToPartials(d64, ToDouble(d64, c * LoadU(d, X.data() + k * L)), Sj + at, Qj + at);
        }
      }
    }
    since_report += n;
    if (done && since_report >= (uint64_t{1} << 16)) {
      done->fetch_add(since_report, std::memory_order_relaxed);
      since_report = 0;
    }
  }
  if (done) done->fetch_add(since_report, std::memory_order_relaxed);
}
