// SPDX-License-Identifier: MIT
// A small, checked host emulator of CUDA thread blocks, so that g++ compiles and runs the shipped kernel
// bodies (kernels/*.cuh) on a machine without a GPU (tests/unit/test_cuda_emulated.cpp). No existing tool
// runs CUDA C++ on a CPU here, so this one is ours, and kept small: it emulates what relumc's kernels use
// (dynamic shared memory, __syncthreads, the built-in indices) and checks what a GPU would not report.
//
//   - Every CUDA thread of a block is a std::thread (kept in a pool from one launch to the next); blocks
//     run one after another, or a few at a time (config().concurrent_blocks), each with its own shared
//     memory.
//   - __syncthreads() is a checked barrier: it records its call site (__FILE__:__LINE__) and aborts,
//     naming both sites, when threads of a block wait at different ones, and when a thread returns from
//     the kernel while others wait (or wait after it returned). Blocks that run on past
//     config().max_rounds barrier rounds abort too (a runaway loop).
//   - Schedules: Forward / Reverse run one thread at a time, in thread order (or its reverse) from one
//     barrier to the next, so a missing barrier deterministically lets a thread read what the others
//     have not written yet (poison) or overwrite what they have not read; Concurrent lets all threads run
//     at once (for ThreadSanitizer: tests/support/run_tsan.sh sets RELUMC_EMULATOR_SCHEDULE=concurrent,
//     which makes every launch concurrent).
//   - Dynamic shared memory is a heap block of exactly the launch's size (AddressSanitizer sees any
//     access past it), filled with 0xFF bytes (NaN as float and as double) before every block;
//     alloc<T>(n) gives "device memory" poisoned the same way.
//   - Shared-memory banks (config().count_banks): the 16-byte accesses the kernels make through load4/store4
//     (they report them with RELUMC_EMULATOR_SHARED_ACCESS) are recorded per thread and, when the block
//     ends, matched across the lanes of each warp (the k-th access of each lane after the same barrier: one
//     instruction where a warp's control flow is uniform) and split into the device's phases (8 lanes per
//     phase for 16 bytes); a phase whose lanes touch distinct words of one bank costs one wavefront per
//     word. bank_count() sums requests, wavefronts and the conflict-free ideal over the blocks.
//   - The hardware limits are checked at launch (LaunchError): block <= 1024 threads (z <= 64), grid
//     x < 2^31, y and z <= 65535, dynamic shared memory <= 48 KiB unless raised with
//     set_max_dynamic_shared (cudaFuncAttributeMaxDynamicSharedMemorySize), and never over 227 KiB.
//
// Usage: include this header before any kernel header, then launch<<<grid, block, shared>>>(args) as
//   relumc::emu::launch(dim3(G, nb), dim3(128), bytes, kernel<T>, args...);
#pragma once

#ifdef __CUDACC__
#error "tests/support/cuda_emulator.hpp is for host compilers; nvcc compiles the kernels for a real device"
#endif

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

// ---- what nvcc provides ----------------------------------------------------------------------------

struct uint3 {
  unsigned x = 0, y = 0, z = 0;
};
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
#define __restrict__ __restrict
// Static shared memory is not emulated: a kernel that declares some does not compile here.
#define __shared__ RELUMC_EMULATOR_HAS_NO_STATIC_SHARED_MEMORY
#define __syncthreads() ::relumc::emu::sync_threads(__FILE__, __LINE__)
#define RELUMC_DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(::relumc::emu::dynamic_shared())
#define RELUMC_EMULATOR_SHARED_ACCESS(p, bytes) ::relumc::emu::shared_access(p, bytes)

namespace relumc::emu {

// A launch that CUDA would refuse (cudaErrorInvalidConfiguration, cudaErrorInvalidValue).
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Schedule { Forward, Reverse, Concurrent };

inline const char* to_string(Schedule s) {
  return s == Schedule::Forward ? "forward" : s == Schedule::Reverse ? "reverse" : "concurrent";
}

struct Config {
  Schedule schedule = Schedule::Forward;
  int concurrent_blocks = 1;       // blocks in flight at once, each with its own threads and shared memory
  uint64_t max_rounds = 1u << 20;  // barrier rounds per block before it is taken for a runaway loop
  bool count_banks = false;        // record shared-memory accesses and count bank conflicts (bank_count())
};

// Shared-memory bank accounting over the blocks run with config().count_banks (reset_bank_count() first).
// A request: one warp's k-th recorded access after a barrier. Its phases (8 lanes for 16 bytes, 16 for 8, 32
// for 4) each cost as many wavefronts as the most distinct 4-byte words any of the 32 banks serves in it.
struct BankCount {
  uint64_t requests = 0, phases = 0, wavefronts = 0;
  uint64_t extra() const { return wavefronts - phases; }  // wavefronts lost to conflicts
};
inline Config& config() {
  static Config c;
  return c;
}

// The hardware (compute capability 9.0: H100, H200).
inline constexpr unsigned kMaxThreadsPerBlock = 1024, kMaxBlockZ = 64;
inline constexpr unsigned kMaxGridX = 0x7fffffffu, kMaxGridYZ = 65535;
inline constexpr size_t kSharedDefault = 48 * 1024, kSharedOptInMax = 227 * 1024;

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "relumc CUDA emulator: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// "Device memory": n elements, every byte 0xFF (NaN for float and double) until written.
template <class T>
std::vector<T> alloc(size_t n) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<T> v(n);
  if (n) std::memset(static_cast<void*>(v.data()), 0xFF, n * sizeof(T));
  return v;
}

namespace detail {

inline BankCount& bank_total() {
  static BankCount c;
  return c;
}
inline std::mutex& bank_mutex() {
  static std::mutex m;
  return m;
}

struct SharedAccess {
  uint64_t round;
  int thread;
  uint32_t seq;     // the thread's k-th recorded access in this round
  uint32_t offset;  // bytes from the start of shared memory
  int bytes;
};

// The requests of one block's recorded accesses, added to bank_total().
inline void count_banks(std::vector<SharedAccess>& a) {
  std::sort(a.begin(), a.end(), [](const SharedAccess& x, const SharedAccess& y) {
    return std::make_tuple(x.round, x.thread / 32, x.seq, x.thread) < std::make_tuple(y.round, y.thread / 32, y.seq, y.thread);
  });
  BankCount c;
  for (size_t i = 0; i < a.size();) {
    size_t j = i;
    while (j < a.size() && a[j].round == a[i].round && a[j].thread / 32 == a[i].thread / 32 && a[j].seq == a[i].seq) ++j;
    ++c.requests;
    const int lanes = 32 / std::max(1, std::min(a[i].bytes, 16) / 4);  // lanes per phase
    std::map<int, std::map<int, std::vector<uint32_t>>> words;     // phase -> bank -> distinct words
    for (size_t k = i; k < j; ++k)
      for (int w = 0; w < std::max(1, a[k].bytes / 4); ++w) {
        const uint32_t word = a[k].offset / 4 + static_cast<uint32_t>(w);
        auto& v = words[(a[k].thread % 32) / lanes][static_cast<int>(word % 32)];
        if (std::find(v.begin(), v.end(), word) == v.end()) v.push_back(word);
      }
    for (const auto& phase : words) {
      size_t most = 1;
      for (const auto& bank : phase.second) most = std::max(most, bank.second.size());
      ++c.phases;
      c.wavefronts += most;
    }
    i = j;
  }
  std::lock_guard<std::mutex> lock(bank_mutex());
  bank_total().requests += c.requests;
  bank_total().phases += c.phases;
  bank_total().wavefronts += c.wavefronts;
}

// The threads of one block in flight, their barrier and their shared memory. Threads are numbered
// t = threadIdx.x + blockDim.x (threadIdx.y + blockDim.y threadIdx.z); under a serial schedule they run
// one at a time, in the order of their position (t, or n - 1 - t), from one barrier to the next.
class Block {
 public:
  Block(int n, Schedule schedule, size_t shared_bytes, uint64_t first_block)
      : n_(n),
        schedule_(schedule),
        shared_bytes_(shared_bytes),
        turn_cv_(static_cast<size_t>(n)),
        shared_(new unsigned char[shared_bytes]),
        block_(first_block) {
    poison();
  }

  unsigned char* shared() { return shared_.get(); }
  uint64_t block() const { return block_; }

  // Thread t accessed `bytes` bytes at p: recorded when p is in this block's shared memory (count_banks).
  void record(int t, const void* p, int bytes) {
    const auto* c = static_cast<const unsigned char*>(p);
    if (c < shared_.get() || c >= shared_.get() + shared_bytes_) return;
    std::lock_guard<std::mutex> lock(m_);
    if (seq_.empty()) seq_.assign(static_cast<size_t>(n_), {~uint64_t{0}, 0});
    auto& [round, k] = seq_[static_cast<size_t>(t)];
    if (round != round_) round = round_, k = 0;
    accesses_.push_back({round_, t, k++, static_cast<uint32_t>(c - shared_.get()), bytes});
  }

  // Thread t waits until block b is this group's and, serially, until it is t's turn.
  void begin(int t, uint64_t b) {
    std::unique_lock<std::mutex> lock(m_);
    wait(lock, t, [&] { return block_ == b; });
  }

  void sync(int t, const char* file, int line) {
    std::unique_lock<std::mutex> lock(m_);
    if (exited_ > 0)
      fail(where() + ": thread " + std::to_string(t) + " waits at __syncthreads() " + site(file, line) + " after " +
           std::to_string(exited_) + " thread(s) of the block returned from the kernel");
    if (arrived_ == 0) {
      file_ = file;
      line_ = line;
      first_ = t;
    } else if (line_ != line || std::strcmp(file_, file) != 0) {
      fail(where() + ": threads wait at different __syncthreads(): thread " + std::to_string(first_) + " at " +
           site(file_, line_) + ", thread " + std::to_string(t) + " at " + site(file, line));
    }
    const uint64_t round = round_;
    if (++arrived_ == n_) {
      arrived_ = 0;
      if (++round_ > config().max_rounds)
        fail(where() + ": more than " + std::to_string(config().max_rounds) +
             " __syncthreads() rounds in one block (a runaway loop?), the last at " + site(file, line));
      release();
    } else {
      pass(position(t) + 1);
    }
    wait(lock, t, [&] { return round_ != round; });
  }

  // Thread t returned from the kernel; the last one readies the group's next block, `next`.
  void exit(int t, uint64_t next) {
    std::unique_lock<std::mutex> lock(m_);
    if (arrived_ > 0)
      fail(where() + ": thread " + std::to_string(t) + " returned from the kernel while " + std::to_string(arrived_) +
           " thread(s) wait at __syncthreads() " + site(file_, line_));
    if (++exited_ == n_) {
      if (!accesses_.empty()) count_banks(accesses_);
      accesses_.clear();
      seq_.clear();
      exited_ = 0;
      round_ = 0;
      block_ = next;
      poison();
      release();
    } else {
      pass(position(t) + 1);
    }
  }

 private:
  bool serial() const { return schedule_ != Schedule::Concurrent; }
  int position(int t) const { return schedule_ == Schedule::Reverse ? n_ - 1 - t : t; }
  std::string where() const { return "block " + std::to_string(block_); }
  static std::string site(const char* file, int line) { return std::string(file) + ":" + std::to_string(line); }
  void poison() {
    if (shared_bytes_) std::memset(shared_.get(), 0xFF, shared_bytes_);
  }
  // Serial: the turn goes to the next position (concurrent: everyone runs already).
  void pass(int p) {
    if (serial()) {
      turn_ = p;
      turn_cv_[static_cast<size_t>(p)].notify_one();
    }
  }
  // A barrier round or the block completed: serially position 0 runs next; concurrently, everyone.
  void release() {
    if (serial())
      pass(0);
    else
      all_.notify_all();
  }
  template <class Ready>
  void wait(std::unique_lock<std::mutex>& lock, int t, Ready ready) {
    if (serial()) {
      const int p = position(t);
      turn_cv_[static_cast<size_t>(p)].wait(lock, [&] { return ready() && turn_ == p; });
    } else {
      all_.wait(lock, ready);
    }
  }

  std::mutex m_;
  std::condition_variable all_;
  const int n_;
  const Schedule schedule_;
  const size_t shared_bytes_;
  std::vector<std::condition_variable> turn_cv_;
  std::unique_ptr<unsigned char[]> shared_;
  uint64_t block_;  // linear index of the block in flight
  int arrived_ = 0, exited_ = 0, turn_ = 0, first_ = 0;
  uint64_t round_ = 0;
  const char* file_ = "";
  int line_ = 0;
  std::vector<SharedAccess> accesses_;              // count_banks: this block's recorded accesses
  std::vector<std::pair<uint64_t, uint32_t>> seq_;  // per thread: the round of its last access, its count
};

inline thread_local Block* t_block = nullptr;
inline thread_local int t_thread = 0;

inline std::map<void (*)(), size_t>& shared_limits() {
  static std::map<void (*)(), size_t> limits;
  return limits;
}
inline std::mutex& shared_limits_mutex() {
  static std::mutex m;
  return m;
}

// The emulator's threads, kept from one launch to the next (creating 256 threads per launch would cost
// more than most kernels here). run(count, job) runs job(0) .. job(count - 1) on threads of their own and
// returns when all have returned.
class Pool {
 public:
  static Pool& get() {
    static Pool pool;
    return pool;
  }
  ~Pool() {
    for (auto& w : workers_) {
      std::lock_guard<std::mutex> lock(w->m);
      w->quit = true;
      w->cv.notify_one();
    }
    for (auto& w : workers_) w->thread.join();
  }
  template <class Job>
  void run(size_t count, const Job& job) {
    std::lock_guard<std::mutex> one_launch_at_a_time(launch_m_);
    while (workers_.size() < count) workers_.push_back(std::make_unique<Worker>(*this));
    {
      std::lock_guard<std::mutex> lock(done_m_);
      pending_ = count;
    }
    for (size_t i = 0; i < count; ++i) {
      Worker& w = *workers_[i];
      std::lock_guard<std::mutex> lock(w.m);
      w.job = [&job, i] { job(i); };
      w.cv.notify_one();
    }
    std::unique_lock<std::mutex> lock(done_m_);
    done_cv_.wait(lock, [&] { return pending_ == 0; });
  }

 private:
  struct Worker {
    explicit Worker(Pool& pool) : thread([this, &pool] { loop(pool); }) {}
    void loop(Pool& pool) {
      for (;;) {
        std::function<void()> f;
        {
          std::unique_lock<std::mutex> lock(m);
          cv.wait(lock, [&] { return quit || job; });
          if (quit) return;
          f = std::move(job);
          job = nullptr;
        }
        f();
        std::lock_guard<std::mutex> lock(pool.done_m_);
        if (--pool.pending_ == 0) pool.done_cv_.notify_one();
      }
    }
    std::mutex m;
    std::condition_variable cv;
    std::function<void()> job;
    bool quit = false;
    std::thread thread;  // last: starts once the rest is built
  };
  std::mutex launch_m_, done_m_;
  std::condition_variable done_cv_;
  size_t pending_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
};

inline std::string dims(dim3 v) {
  return "(" + std::to_string(v.x) + ", " + std::to_string(v.y) + ", " + std::to_string(v.z) + ")";
}

}  // namespace detail

inline void sync_threads(const char* file, int line) {
  if (!detail::t_block) fail(std::string("__syncthreads() outside a kernel at ") + file + ":" + std::to_string(line));
  detail::t_block->sync(detail::t_thread, file, line);
}

// RELUMC_EMULATOR_SHARED_ACCESS(p, bytes): a kernel's 16-byte load or store (kernels/estimator_agent.cuh).
inline void shared_access(const void* p, int bytes) {
  if (detail::t_block && config().count_banks) detail::t_block->record(detail::t_thread, p, bytes);
}

inline BankCount bank_count() {
  std::lock_guard<std::mutex> lock(detail::bank_mutex());
  return detail::bank_total();
}
inline void reset_bank_count() {
  std::lock_guard<std::mutex> lock(detail::bank_mutex());
  detail::bank_total() = BankCount{};
}

inline unsigned char* dynamic_shared() {
  if (!detail::t_block) fail("dynamic shared memory used outside a kernel");
  return detail::t_block->shared();
}

// cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes).
template <class... Params>
void set_max_dynamic_shared(void (*kernel)(Params...), size_t bytes) {
  if (bytes > kSharedOptInMax)
    throw LaunchError("cudaFuncSetAttribute: " + std::to_string(bytes) +
                      " bytes of dynamic shared memory: the device allows at most " + std::to_string(kSharedOptInMax));
  std::lock_guard<std::mutex> lock(detail::shared_limits_mutex());
  detail::shared_limits()[reinterpret_cast<void (*)()>(kernel)] = bytes;
}

// kernel<<<grid, block, shared_bytes>>>(args...), run to completion (as if followed by a synchronisation).
template <class... Params, class... Args>
void launch(dim3 grid, dim3 block, size_t shared_bytes, void (*kernel)(Params...), Args&&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args), "a kernel launch passes every parameter");
  const uint64_t threads = uint64_t{block.x} * block.y * block.z;
  if (threads == 0 || threads > kMaxThreadsPerBlock || block.z > kMaxBlockZ)
    throw LaunchError("block " + detail::dims(block) + ": " + std::to_string(threads) + " threads; CUDA allows 1.." +
                      std::to_string(kMaxThreadsPerBlock) + " (z <= " + std::to_string(kMaxBlockZ) + ")");
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.x > kMaxGridX || grid.y > kMaxGridYZ || grid.z > kMaxGridYZ)
    throw LaunchError("grid " + detail::dims(grid) + ": CUDA allows x in 1..2^31-1, y and z in 1.." +
                      std::to_string(kMaxGridYZ));
  size_t limit = kSharedDefault;
  {
    std::lock_guard<std::mutex> lock(detail::shared_limits_mutex());
    const auto it = detail::shared_limits().find(reinterpret_cast<void (*)()>(kernel));
    if (it != detail::shared_limits().end()) limit = std::max(limit, it->second);
  }
  if (shared_bytes > limit)
    throw LaunchError(std::to_string(shared_bytes) + " bytes of dynamic shared memory: this kernel may use " +
                      std::to_string(limit) +
                      (limit == kSharedDefault
                           ? " (raise it with set_max_dynamic_shared: cudaFuncAttributeMaxDynamicSharedMemorySize)"
                           : ""));
  // The parameters, converted once as a launch does; each thread gets its own copy.
  const std::tuple<std::decay_t<Params>...> params(std::forward<Args>(args)...);
  Config cfg = config();
  // RELUMC_EMULATOR_SCHEDULE=concurrent runs every launch with all threads at once (run_tsan.sh).
  if (const char* env = std::getenv("RELUMC_EMULATOR_SCHEDULE"); env && std::string(env) == "concurrent")
    cfg.schedule = Schedule::Concurrent;
  const uint64_t blocks = uint64_t{grid.x} * grid.y * grid.z;
  const uint64_t groups = std::clamp<uint64_t>(static_cast<uint64_t>(std::max(cfg.concurrent_blocks, 1)), 1, blocks);
  const int n = static_cast<int>(threads);
  std::vector<std::unique_ptr<detail::Block>> group;
  for (uint64_t g = 0; g < groups; ++g)
    group.push_back(std::make_unique<detail::Block>(n, cfg.schedule, shared_bytes, g));
  detail::Pool::get().run(static_cast<size_t>(groups) * static_cast<size_t>(n), [&](size_t i) {
    const uint64_t g = i / static_cast<size_t>(n);
    const int t = static_cast<int>(i % static_cast<size_t>(n));
    detail::Block& b = *group[g];
    detail::t_block = &b;
    detail::t_thread = t;
    threadIdx = uint3{static_cast<unsigned>(t) % block.x, static_cast<unsigned>(t) / block.x % block.y,
                      static_cast<unsigned>(t) / (block.x * block.y)};
    blockDim = block;
    gridDim = grid;
    for (uint64_t k = g; k < blocks; k += groups) {
      b.begin(t, k);
      blockIdx = uint3{static_cast<unsigned>(k % grid.x), static_cast<unsigned>(k / grid.x % grid.y),
                       static_cast<unsigned>(k / (uint64_t{grid.x} * grid.y))};
      std::apply(kernel, params);
      b.exit(t, k + groups);
    }
    detail::t_block = nullptr;
  });
}

}  // namespace relumc::emu
