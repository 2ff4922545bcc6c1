// SPDX-License-Identifier: MIT
// The generic CPU chunk kernel (see host/backend/cpu/cpu_kernel.hpp for the contract and summation order).
//
// Included, without an include guard, after relumc/math/detail/lane_math-inl.hpp in a namespace that
// provides the lane operations and the backend pieces listed in its "Inputs" section (PhiloxLanes,
// UniformFromWord, ToDouble, FromDouble).
// A tile is G lane groups of Lanes(d) samples: the kernel draws their d coordinates into X
// (coordinate-major, samples innermost), projects them on every row, forms the per-sample
// coefficients, and adds coefficient times x into the lane partials. X is one tile, never the chunk.

// Coordinates 0..dim-1 of samples first .. first + Lanes(d) - 1 into X, coordinate k at X + k * stride,
// drawn from the case's input distribution (lane math: DrawInputLanes). kGaussian: the caller knows
// the input is the Gaussian, and the hot loop carries no dispatch at all. The parentheses around the
// name turn off argument-dependent lookup, which would also find relumc's one-lane DrawInputLanes.
// kContract: the contract's normal transform (v2: float lanes only).
template <bool kGaussian, Contract kContract, class D, class DW, class D64>
RELUMC_LANE_FN void DrawLanes(D d, DW dw, D64 d64, const ChunkArgs<TFromD<D>>& a, uint64_t first, TFromD<D>* X,
                              int64_t stride) {
  if constexpr (kGaussian) {
    (DrawInputLanes<InputKind::Gaussian, kContract>)(d, dw, d64, a, first, X, stride);
  } else {
    switch (a.input) {
      case InputKind::Gaussian:
        (DrawInputLanes<InputKind::Gaussian, kContract>)(d, dw, d64, a, first, X, stride);
        break;
      case InputKind::Sphere:
        (DrawInputLanes<InputKind::Sphere, kContract>)(d, dw, d64, a, first, X, stride);
        break;
      case InputKind::Ball:
        (DrawInputLanes<InputKind::Ball, kContract>)(d, dw, d64, a, first, X, stride);
        break;
      case InputKind::Cube:
        (DrawInputLanes<InputKind::Cube, kContract>)(d, dw, d64, a, first, X, stride);
        break;
    }
  }
}

// One block of NU rows times NG lane groups: NU * NG independent fused multiply-add chains, each in
// coordinate order (the order of one row alone). X: coordinate k of group g at X + k * stride + g L;
// P: row u, group g at P + u * stride + g L.
template <int NU, int NG, class D>
RELUMC_LANE_FN void ProjectBlock(D d, const TFromD<D>* w, int64_t dim, const TFromD<D>* X, int64_t stride,
                                 TFromD<D>* P) {
  const int64_t L = static_cast<int64_t>(Lanes(d));
  decltype(Zero(d)) p[NU][NG];
  for (int u = 0; u < NU; ++u)
    for (int g = 0; g < NG; ++g) p[u][g] = Zero(d);
  for (int64_t k = 0; k < dim; ++k) {
    decltype(Zero(d)) x[NG];
    for (int g = 0; g < NG; ++g) x[g] = LoadU(d, X + k * stride + g * L);
    for (int u = 0; u < NU; ++u) {
      const auto wk = Set(d, w[u * dim + k]);
      for (int g = 0; g < NG; ++g) p[u][g] = MulAdd(wk, x[g], p[u][g]);
    }
  }
  for (int u = 0; u < NU; ++u)
    for (int g = 0; g < NG; ++g) StoreU(p[u][g], d, P + u * stride + g * L);
}

// P = rows . x for every row and every lane group of the tile, four chains at a time.
template <class D>
RELUMC_LANE_FN void ProjectTile(D d, const TFromD<D>* rows, int64_t units, int64_t dim, const TFromD<D>* X,
                                int64_t stride, int64_t G, TFromD<D>* P) {
  const int64_t L = static_cast<int64_t>(Lanes(d));
  int64_t u = 0;
  for (; u + 4 <= units; u += 4)
    for (int64_t g = 0; g < G; ++g) ProjectBlock<4, 1>(d, rows + u * dim, dim, X + g * L, stride, P + u * stride + g * L);
  for (; u < units; ++u) {
    int64_t g = 0;
    for (; g + 4 <= G; g += 4) ProjectBlock<1, 4>(d, rows + u * dim, dim, X + g * L, stride, P + u * stride + g * L);
    for (; g < G; ++g) ProjectBlock<1, 1>(d, rows + u * dim, dim, X + g * L, stride, P + u * stride + g * L);
  }
}

// Lane groups per tile: a multiple of the groups in one set of kPartialLanes partials, at least 2, with the
// tile of X kept within 32 KiB (L1: X is drawn, then read by the projection and the sums; 6-7% faster than the
// 128 KiB it had at d = 100, bench/RESULTS.md, stop 20). The results do not depend on it: each partial still
// adds its samples one by one in sample order; a tile only lets a partial stay in a register across several of
// its samples.
template <class D>
RELUMC_LANE_FN int64_t GroupsPerTile(D d, int64_t dim) {
  const int64_t L = static_cast<int64_t>(Lanes(d));
  // A group wider than one set of partials (16 float lanes, the wide v2 kernel) spans two sets.
  const int64_t per_set = L >= static_cast<int64_t>(kPartialLanes) ? 1 : static_cast<int64_t>(kPartialLanes) / L;
  const int64_t least = per_set > 1 ? per_set : 2;
  int64_t groups = 32768 / (dim * L * static_cast<int64_t>(sizeof(TFromD<D>)));
  groups = groups < 16 ? groups : 16;
  groups -= groups % per_set;
  return groups > least ? groups : least;
}

// For NB rows of coefficients c (row t at c + t * stride) times one coordinate row x (null: the
// coefficients themselves, for the loss), adds each lane group's values to the partials at
// S + t * jstride and Q + t * jstride, lane set position by position, groups in sample order.
template <int NB, class D, class D64>
RELUMC_LANE_FN void AddRowsToPartials(D d, D64 d64, int64_t G, int64_t per_set, int64_t stride, int64_t jstride,
                                      const TFromD<D>* c, const TFromD<D>* x, double* S, double* Q) {
  const int64_t L = static_cast<int64_t>(Lanes(d));
  for (int64_t pos = 0; pos < per_set; ++pos) {
    decltype(Zero(d64)) s[NB], q[NB];
    for (int t = 0; t < NB; ++t) {
      s[t] = LoadU(d64, S + t * jstride + pos * L);
      q[t] = LoadU(d64, Q + t * jstride + pos * L);
    }
    for (int64_t g = pos; g < G; g += per_set) {
      const auto xg = x ? LoadU(d, x + g * L) : Set(d, 1.0);
      for (int t = 0; t < NB; ++t) {
        const auto v = ToDouble(d64, LoadU(d, c + t * stride + g * L) * xg);
        s[t] = s[t] + v;
        q[t] = MulAdd(v, v, q[t]);
      }
    }
    for (int t = 0; t < NB; ++t) {
      StoreU(s[t], d64, S + t * jstride + pos * L);
      StoreU(q[t], d64, Q + t * jstride + pos * L);
    }
  }
}

// ---- Contract v2's sums (host/backend/cpu/cpu_kernel.hpp): float partials flushed to double.
// Lane groups per tile under v2: a power of two, the tile (G L samples) between 16 samples and one flush block
// of kV2FlushSamples, so that tiles never straddle a block and every tile starts at float partial 0; at least 2
// groups, and more while X stays within 32 KiB (the L1 cache: the tile's X is read three times after its draw).
// Measured at d = 100, K = 4 (bench/RESULTS.md, stop 20): 4 groups of 16 lanes run the v2 estimate 6-8% faster
// than the 16 a 128 KiB X allowed; at d = 1000 one group per tile was slower, so 2 stay the least.
template <class D>
RELUMC_LANE_FN int64_t GroupsPerTileV2(D d, int64_t dim) {
  const int64_t L = static_cast<int64_t>(Lanes(d));
  const int64_t lo = L >= static_cast<int64_t>(kV2FloatPartialLanes) ? 1 : static_cast<int64_t>(kV2FloatPartialLanes) / L;
  const int64_t hi = static_cast<int64_t>(kV2FlushSamples) / L;
  const int64_t fit = 32768 / (dim * L * static_cast<int64_t>(sizeof(TFromD<D>)));
  int64_t g = lo;
  while (g < 2 && 2 * g <= hi) g *= 2;
  while (2 * g <= hi && 2 * g <= fit) g *= 2;
  return g;
}

// For NB rows of coefficients c times one coordinate row x (null: the coefficients themselves), adds each
// lane group's products to the float partials at S + t * jstride, Q + t * jstride (16 per component, sample
// t of the block to partial t mod 16), position by position, groups in sample order. No widening here.
template <int NB, class D>
RELUMC_LANE_FN void AddRowsToFloatPartials(D d, int64_t G, int64_t per_set, int64_t stride, int64_t jstride,
                                           const TFromD<D>* c, const TFromD<D>* x, TFromD<D>* S, TFromD<D>* Q) {
  const int64_t L = static_cast<int64_t>(Lanes(d));
  for (int64_t pos = 0; pos < per_set; ++pos) {
    decltype(Zero(d)) s[NB], q[NB];
    for (int t = 0; t < NB; ++t) {
      s[t] = LoadU(d, S + t * jstride + pos * L);
      q[t] = LoadU(d, Q + t * jstride + pos * L);
    }
    for (int64_t g = pos; g < G; g += per_set) {
      const auto xg = x ? LoadU(d, x + g * L) : Set(d, 1.0);
      for (int t = 0; t < NB; ++t) {
        const auto v = LoadU(d, c + t * stride + g * L) * xg;
        s[t] = s[t] + v;
        q[t] = MulAdd(v, v, q[t]);
      }
    }
    for (int t = 0; t < NB; ++t) {
      StoreU(s[t], d, S + t * jstride + pos * L);
      StoreU(q[t], d, Q + t * jstride + pos * L);
    }
  }
}

// The end of a flush block: for each of the m components, float partial p (0..15) is widened and added to
// double partial p mod 8, p in increasing order (double partial k takes float partial k, then k + 8); the
// float partials restart from 0. kWide: a float vector is two halves of Lanes(d64) lanes.
template <bool kWide, class D, class D64>
RELUMC_LANE_FN void FlushFloatPartials(D d, D64 d64, int64_t m, TFromD<D>* SF, TFromD<D>* QF, double* S, double* Q) {
  const int64_t L = static_cast<int64_t>(Lanes(d)), L64 = static_cast<int64_t>(Lanes(d64));
  const int64_t F = static_cast<int64_t>(kV2FloatPartialLanes), P = static_cast<int64_t>(kPartialLanes);
  for (int64_t a = 0; a < m; ++a) {
    TFromD<D>* sf = SF + a * F;
    TFromD<D>* qf = QF + a * F;
    double* sd = S + a * P;
    double* qd = Q + a * P;
    for (int64_t f = 0; f < F; f += L) {
      const auto vs = LoadU(d, sf + f), vq = LoadU(d, qf + f);
      if constexpr (kWide) {
        const int64_t lo = f % P, hi = (f + L64) % P;
        StoreU(LoadU(d64, sd + lo) + ToDoubleLower(d64, vs), d64, sd + lo);
        StoreU(LoadU(d64, qd + lo) + ToDoubleLower(d64, vq), d64, qd + lo);
        StoreU(LoadU(d64, sd + hi) + ToDoubleUpper(d64, vs), d64, sd + hi);
        StoreU(LoadU(d64, qd + hi) + ToDoubleUpper(d64, vq), d64, qd + hi);
      } else {
        const int64_t at = f % P;
        StoreU(LoadU(d64, sd + at) + ToDouble(d64, vs), d64, sd + at);
        StoreU(LoadU(d64, qd + at) + ToDouble(d64, vq), d64, qd + at);
      }
      StoreU(Zero(d), d, sf + f);
      StoreU(Zero(d), d, qf + f);
    }
  }
}

// Adds tiles of samples [begin, end) into the lane partials. A tile is G lane groups; group g holds
// samples first + g L .. first + g L + L - 1, and sample begin + t goes to partial t mod 8.
// kWide: L = 2 Lanes(d64) float lanes (the v2 SIMD kernel); otherwise L = Lanes(d64). Contract v2 sums through
// float partials flushed to double every kV2FlushSamples samples (FlushFloatPartials); v1 adds into the double
// partials directly.
template <bool kGaussian, Contract kContract, bool kWide, class D, class DW, class D64>
RELUMC_LANE_FN void AccumulateChunkTiles(D d, DW dw, D64 d64, const ChunkArgs<TFromD<D>>& a, uint64_t begin,
                                         uint64_t end, double* S, double* Q, std::atomic<uint64_t>* done) {
  using T = TFromD<D>;
  const int64_t L = static_cast<int64_t>(Lanes(d));
  const int64_t dim = a.d, units = a.K + a.Kstar;
  const int64_t coef_rows = a.quantity == Quantity::Grad ? a.K : 1;
  constexpr bool kFloatSums = kContract == Contract::V2;
  static_assert(!kWide || kFloatSums, "the wide kernel is v2's");
  const int64_t G = kFloatSums ? GroupsPerTileV2(d, dim) : GroupsPerTile(d, dim), stride = G * L;
  const int64_t per_set = static_cast<int64_t>(kFloatSums ? kV2FloatPartialLanes : kPartialLanes) / L;
  const int64_t m = coef_rows * (a.quantity == Quantity::Loss ? 1 : dim);
  // v2's float partials, sums then sums of squares (zero-initialised).
  const size_t nf = kFloatSums ? static_cast<size_t>(m) * kV2FloatPartialLanes : 0;
  const std::unique_ptr<T[]> FP(kFloatSums ? new T[2 * nf]() : nullptr);
  T* const SF = FP.get();
  T* const QF = kFloatSums ? SF + nf : nullptr;
  const int64_t kLanes = static_cast<int64_t>(kPartialLanes);
  std::vector<T> X(static_cast<size_t>(dim * stride)), P(static_cast<size_t>(units * stride)),
      C(static_cast<size_t>(coef_rows * stride));
  uint64_t since_report = 0;
  // Positions are offsets from `tile` compared with what is left (end - tile), never tile + offset with end: a
  // range ending within a tile of 2^64 would wrap and never end.
  const uint64_t ustride = static_cast<uint64_t>(stride);
  for (uint64_t tile = begin; tile < end; tile = end - tile > ustride ? tile + ustride : end) {
    const uint64_t left = end - tile;
    // Draw the tile, project it, gate each group; coefficients of samples past `end` are zero.
    for (int64_t g = 0; g < G; ++g) {
      const uint64_t off = static_cast<uint64_t>(g * L);
      if (off < left) DrawLanes<kGaussian, kContract>(d, dw, d64, a, tile + off, X.data() + g * L, stride);
    }
    ProjectTile(d, a.rows, units, dim, X.data(), stride, G, P.data());
    for (int64_t g = 0; g < G; ++g) {
      const uint64_t off = static_cast<uint64_t>(g * L);
      const uint64_t n = off >= left ? 0 : (left - off < static_cast<uint64_t>(L) ? left - off : L);
      const auto valid = FirstN(d, static_cast<size_t>(n));
      const T* p = P.data() + g * L;
      const T* q = p + a.K * stride;
      T* c = C.data() + g * L;
      switch (a.quantity) {
        case Quantity::Loss:
          StoreU(IfThenElseZero(valid, SampleLoss(d, Residual(d, p, a.K, q, a.Kstar, stride))), d, c);
          break;
        case Quantity::Gating:
          StoreU(IfThenElseZero(valid, GatingCoefficient(d, LoadU(d, q), LoadU(d, p))), d, c);
          break;
        case Quantity::Grad: {
          const auto r = Residual(d, p, a.K, q, a.Kstar, stride);
          for (int64_t j = 0; j < a.K; ++j)
            StoreU(IfThenElseZero(valid, GradientCoefficient(d, LoadU(d, p + j * stride), r)), d, c + j * stride);
          break;
        }
      }
      since_report += n;
    }
    // Each partial is loaded once per tile and takes its samples in order; x is loaded once for up to
    // four rows of coefficients.
    const int64_t lane0 = static_cast<int64_t>((tile - begin) % kPartialLanes);
    const int64_t coords = a.quantity == Quantity::Loss ? 1 : dim;
    for (int64_t k = 0; k < coords; ++k) {
      const T* x = a.quantity == Quantity::Loss ? nullptr : X.data() + k * stride;
      for (int64_t j = 0; j < coef_rows; j += 4) {
        const T* c = C.data() + j * stride;
        double* Sk = S + (j * dim + k) * kLanes + lane0;
        double* Qk = Q + (j * dim + k) * kLanes + lane0;
        const int64_t jstride = dim * kLanes;
        if constexpr (kFloatSums) {
          // Tiles start at float partial 0 (GroupsPerTileV2): the block's sample t goes to partial t mod 16.
          const int64_t fstride = dim * static_cast<int64_t>(kV2FloatPartialLanes);
          T* SFk = SF + (j * dim + k) * static_cast<int64_t>(kV2FloatPartialLanes);
          T* QFk = QF + (j * dim + k) * static_cast<int64_t>(kV2FloatPartialLanes);
          switch (coef_rows - j < 4 ? coef_rows - j : 4) {
            case 1: AddRowsToFloatPartials<1>(d, G, per_set, stride, fstride, c, x, SFk, QFk); break;
            case 2: AddRowsToFloatPartials<2>(d, G, per_set, stride, fstride, c, x, SFk, QFk); break;
            case 3: AddRowsToFloatPartials<3>(d, G, per_set, stride, fstride, c, x, SFk, QFk); break;
            default: AddRowsToFloatPartials<4>(d, G, per_set, stride, fstride, c, x, SFk, QFk); break;
          }
        } else {
          switch (coef_rows - j < 4 ? coef_rows - j : 4) {
            case 1: AddRowsToPartials<1>(d, d64, G, per_set, stride, jstride, c, x, Sk, Qk); break;
            case 2: AddRowsToPartials<2>(d, d64, G, per_set, stride, jstride, c, x, Sk, Qk); break;
            case 3: AddRowsToPartials<3>(d, d64, G, per_set, stride, jstride, c, x, Sk, Qk); break;
            default: AddRowsToPartials<4>(d, d64, G, per_set, stride, jstride, c, x, Sk, Qk); break;
          }
        }
      }
    }
    if constexpr (kFloatSums) {
      const uint64_t tile_end = left > ustride ? tile + ustride : end;
      if ((tile_end - begin) % kV2FlushSamples == 0 || tile_end == end)
        FlushFloatPartials<kWide>(d, d64, m, SF, QF, S, Q);
    }
    if (done && since_report >= (uint64_t{1} << 16)) {
      done->fetch_add(since_report, std::memory_order_relaxed);
      since_report = 0;
    }
  }
  if (done) done->fetch_add(since_report, std::memory_order_relaxed);
}

// The non-Gaussian inputs share one instantiation, out of line, that dispatches per lane group.
template <Contract kContract, class D, class DW, class D64>
__attribute__((noinline)) void AccumulateChunkOtherInputs(D d, DW dw, D64 d64, const ChunkArgs<TFromD<D>>& a,
                                                          uint64_t begin, uint64_t end, double* S, double* Q,
                                                          std::atomic<uint64_t>* done) {
  AccumulateChunkTiles<false, kContract, false>(d, dw, d64, a, begin, end, S, Q, done);
}

// The kernel for the case's input. The Gaussian, the hot path, is inlined into the caller with no
// dispatch in its loops (measured: keeping the other inputs out of it keeps it as fast as before).
template <Contract kContract, class D, class DW, class D64>
RELUMC_LANE_FN void AccumulateChunkLanes(D d, DW dw, D64 d64, const ChunkArgs<TFromD<D>>& a, uint64_t begin,
                                         uint64_t end, double* S, double* Q, std::atomic<uint64_t>* done) {
  if (a.input != InputKind::Gaussian)
    return AccumulateChunkOtherInputs<kContract>(d, dw, d64, a, begin, end, S, Q, done);
  AccumulateChunkTiles<true, kContract, false>(d, dw, d64, a, begin, end, S, Q, done);
}

// The rng floor (bench/): draws the same lanes as AccumulateChunkLanes and only sums the normals, in
// double (kWide: the two halves of each float group widened separately).
template <Contract kContract, bool kWide, class D, class DW, class D64>
RELUMC_LANE_FN double SumNormalsLanes(D d, DW dw, D64 d64, const ChunkArgs<TFromD<D>>& a, uint64_t begin,
                                      uint64_t end) {
  const int64_t L = static_cast<int64_t>(Lanes(d));
  std::vector<TFromD<D>> X(static_cast<size_t>(a.d * L));
  auto acc = Zero(d64);
  const uint64_t step = static_cast<uint64_t>(L);
  for (uint64_t first = begin; first < end; first = end - first > step ? first + step : end) {
    DrawLanes</*kGaussian=*/kWide, kContract>(d, dw, d64, a, first, X.data(), L);  // wide: Gaussian only
    for (int64_t k = 0; k < a.d; ++k) {
      if constexpr (kWide) {
        const auto v = LoadU(d, X.data() + k * L);
        acc = acc + ToDoubleLower(d64, v) + ToDoubleUpper(d64, v);
      } else {
        acc = acc + ToDouble(d64, LoadU(d, X.data() + k * L));
      }
    }
  }
  double lanes[64];
  StoreU(acc, d64, lanes);
  double s = 0;
  for (size_t t = 0; t < Lanes(d64); ++t) s += lanes[t];
  return s;
}
