// SPDX-License-Identifier: MIT
// Several processes sharing one run (MPI ranks), or one process.
//
// Each case's fixed sample chunks (estimate.hpp: chunk_count, chunk_begin) are cut into R contiguous
// ranges; rank r computes range r; the chunk sums are then gathered so that every rank holds all of
// them and combines them in chunk order. A run on R ranks therefore gives the numbers of a
// one-process run bit for bit, for any R (tests/cli/mpi_identical.sh, run under mpirun by CTest).
// Only rank 0 prints, writes files and keeps the journal.
//
// MPI is optional at build time (CMake finds OpenMPI; RELUMC_HAVE_MPI). Even in an MPI build, MPI is
// only initialised when the process was started by mpirun/mpiexec, so a plain `relumc verify`
// never pays for it.
//
// Usage (main):
//   relumc::DistributionScope mpi(&argc, &argv);          // MPI_Init when under mpirun
//   const relumc::Distribution& dist = relumc::Distribution::process();
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace relumc {

class Distribution {
 public:
  // The process's distribution: the MPI world when MPI was initialised, else one process.
  static const Distribution& process();
  // A one-process distribution (tests; estimates that must not communicate).
  static const Distribution& single();

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Rank among the processes on this node (MPI_COMM_TYPE_SHARED): picks this process's GPU.
  int local_rank() const { return local_rank_; }
  bool is_root() const { return rank_ == 0; }
  // "1 process" or "MPI, 3 ranks".
  std::string describe() const;

  // First chunk of rank r's contiguous range (r = size() gives chunks).
  uint64_t first_chunk(uint64_t chunks, int r) const {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(chunks) * static_cast<unsigned>(r) /
                                 static_cast<unsigned>(size_));
  }
  // rows: chunks x width doubles, of which this rank filled its own range; afterwards every rank holds
  // every row (an exact copy, no arithmetic).
  void allgather_chunks(double* rows, uint64_t chunks, size_t width) const;
  // Logical OR of flag over all ranks (every rank must call it).
  bool any(bool flag) const;
  // Largest value over all ranks (every rank must call it).
  int max(int value) const;
  // Root's value of text on every rank.
  void broadcast(std::string& text) const;
  void broadcast(std::vector<uint64_t>& values) const;
  // After an error on one rank: ends every rank (MPI_Abort) when there are several; else returns.
  void abort(int status) const;

 private:
  Distribution(int rank, int size, int local_rank) : rank_(rank), size_(size), local_rank_(local_rank) {}
  int rank_ = 0, size_ = 1, local_rank_ = 0;
  friend class DistributionScope;
};

// Initialises MPI for the process's lifetime when it runs under mpirun in an MPI build; otherwise
// does nothing. Construct once at the top of main.
class DistributionScope {
 public:
  DistributionScope(int* argc, char*** argv);
  ~DistributionScope();
  DistributionScope(const DistributionScope&) = delete;
  DistributionScope& operator=(const DistributionScope&) = delete;

 private:
  bool mpi_ = false;
};

// Whether this build can run under MPI.
bool mpi_built();

}  // namespace relumc
