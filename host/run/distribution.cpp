// SPDX-License-Identifier: MIT
// The distribution layer: MPI when built with it and started by mpirun, else one process.
#include "relumc/run/distribution.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

#ifdef RELUMC_HAVE_MPI
#include <mpi.h>
#endif

namespace relumc {

namespace {
Distribution* g_process = nullptr;

#ifdef RELUMC_HAVE_MPI
void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw std::runtime_error(fmt::format("{} failed: {}", what, std::string(text, len)));
  }
}

// Set by Open MPI's, MPICH's and PMIx launchers in every process they start.
bool started_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}
#endif
}  // namespace

const Distribution& Distribution::single() {
  static const Distribution one(0, 1, 0);
  return one;
}

const Distribution& Distribution::process() { return g_process ? *g_process : single(); }

std::string Distribution::describe() const {
  return size_ == 1 ? std::string("1 process") : fmt::format("MPI, {} ranks", size_);
}

bool mpi_built() {
#ifdef RELUMC_HAVE_MPI
  return true;
#else
  return false;
#endif
}

#ifdef RELUMC_HAVE_MPI

void Distribution::allgather_chunks(double* rows, uint64_t chunks, size_t width) const {
  if (size_ == 1) return;
  // chunk_count keeps chunks x width below 2^25 doubles, so counts fit an int.
  std::vector<int> counts(size_), offsets(size_);
  for (int r = 0; r < size_; ++r) {
    offsets[r] = static_cast<int>(first_chunk(chunks, r) * width);
    counts[r] = static_cast<int>((first_chunk(chunks, r + 1) - first_chunk(chunks, r)) * width);
  }
  check_mpi(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, rows, counts.data(), offsets.data(), MPI_DOUBLE,
                           MPI_COMM_WORLD),
            "MPI_Allgatherv of chunk sums");
}

bool Distribution::any(bool flag) const {
  if (size_ == 1) return flag;
  int in = flag ? 1 : 0, out = 0;
  check_mpi(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD), "MPI_Allreduce");
  return out != 0;
}

int Distribution::max(int value) const {
  if (size_ == 1) return value;
  int out = value;
  check_mpi(MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  return out;
}

void Distribution::broadcast(std::string& text) const {
  if (size_ == 1) return;
  unsigned long long n = text.size();
  check_mpi(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
  text.resize(n);
  if (n) check_mpi(MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
}

void Distribution::broadcast(std::vector<uint64_t>& values) const {
  if (size_ == 1) return;
  unsigned long long n = values.size();
  check_mpi(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
  values.resize(n);
  if (n)
    check_mpi(MPI_Bcast(values.data(), static_cast<int>(n), MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
}

void Distribution::abort(int status) const {
  if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, status);
}

DistributionScope::DistributionScope(int* argc, char*** argv) {
  if (!started_by_mpirun() || g_process) return;
  check_mpi(MPI_Init(argc, argv), "MPI_Init");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  // The node-local rank: the rank within the processes that share this node's memory.
  int local_rank = rank;
  MPI_Comm node = MPI_COMM_NULL;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) == MPI_SUCCESS &&
      node != MPI_COMM_NULL) {
    MPI_Comm_rank(node, &local_rank);
    MPI_Comm_free(&node);
  }
  g_process = new Distribution(rank, size, local_rank);
  mpi_ = true;
}

DistributionScope::~DistributionScope() {
  if (!mpi_) return;
  delete g_process;
  g_process = nullptr;
  MPI_Finalize();
}

#else  // one process only

void Distribution::allgather_chunks(double*, uint64_t, size_t) const {}
bool Distribution::any(bool flag) const { return flag; }
int Distribution::max(int value) const { return value; }
void Distribution::abort(int) const {}
void Distribution::broadcast(std::string&) const {}
void Distribution::broadcast(std::vector<uint64_t>&) const {}
DistributionScope::DistributionScope(int*, char***) {}
DistributionScope::~DistributionScope() = default;

#endif

}  // namespace relumc
