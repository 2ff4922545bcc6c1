# SPDX-License-Identifier: MIT
# Static guards on the CUDA kernels, part of every build with CUDA (CI has nvcc but no GPU), included by the
# top-level CMakeLists.txt in its own scope so that the kernels' source-file options (--fmad=false, ...) apply:
#
#   relumc_kernel_ptx     the kernels' PTX for compute_90: the very sources and flags of relumc_core (its
#                         include directories, definitions and options; the files' own options), plus
#                         -lineinfo, which only adds .loc lines (checked: the instructions are the same)
#   relumc_kernel_guards  (ALL) kernels/guards/check_kernels.py on that PTX: .rn on every float multiply, add
#                         and subtract, fma only where the source writes one, no approximate or flushed float
#                         instruction, __launch_bounds__ on every kernel (1024 for the estimator, whose block
#                         size is chosen at run time), literal launch sizes within the bounds, and ptxas -v
#                         for sm_90 reporting no spills. ptxas writes the cubins bench/sass_budget.py reads.
#
# Tests (with RELUMC_BUILD_TESTS): Guards.KernelChecksCatchViolations runs the same checks on PTX that must
# fail them (a copy of kernels/estimator.cu compiled with --fmad=true; tests/support/kernel_guard_probes.cu);
# Guards.FastMathFlagsRefused shows that a fast-math flag stops the configure step.
#
# Off with -DRELUMC_KERNEL_GUARDS=OFF (e.g. a toolkit whose ptxas is missing).
option(RELUMC_KERNEL_GUARDS "Check the CUDA kernels' PTX and ptxas report at build time" ON)

# Fast math breaks the bit-exact contract. kernels/cuda_check.cuh stops a compile that defines
# __USE_FAST_MATH__, but nvcc 13 no longer defines it, so the flags themselves are refused here.
set(_relumc_cuda_flag_sets CMAKE_CUDA_FLAGS CMAKE_CUDA_FLAGS_${_relumc_bt})
foreach(_relumc_src kernels/estimator.cu kernels/sample_kernels.cu)
  get_source_file_property(_relumc_opts ${_relumc_src} COMPILE_OPTIONS)
  set(_relumc_opts_${_relumc_src} "${_relumc_opts}")
  list(APPEND _relumc_cuda_flag_sets _relumc_opts_${_relumc_src})
endforeach()
foreach(_relumc_set ${_relumc_cuda_flag_sets})
  if("${${_relumc_set}}" MATCHES "(^|[ ;])(--?use_fast_math|--?use-fast-math|--?ftz(=| )true|--?prec-div(=| )false|--?prec-sqrt(=| )false|--?fmad(=| )true)")
    message(FATAL_ERROR "relumc: ${_relumc_set} holds '${CMAKE_MATCH_2}': the CUDA kernels must be compiled without "
                        "fast math (the sample contract is bit-exact; kernels/guards/kernel_guards.cmake)")
  endif()
endforeach()

if(NOT RELUMC_KERNEL_GUARDS)
  message(STATUS "relumc: kernel guards off (RELUMC_KERNEL_GUARDS=OFF)")
  return()
endif()
find_package(Python3 COMPONENTS Interpreter QUIET)
find_program(RELUMC_PTXAS ptxas HINTS ${CUDAToolkit_BIN_DIR} "${CMAKE_CUDA_COMPILER}/..")
if(NOT Python3_Interpreter_FOUND OR NOT RELUMC_PTXAS)
  message(WARNING "relumc: kernel guards skipped: they need python3 and ptxas (found '${Python3_EXECUTABLE}', "
                  "'${RELUMC_PTXAS}')")
  return()
endif()

# The PTX, with relumc_core's usage requirements copied (not linked: the guards need not wait for the library).
function(relumc_kernel_ptx_library name)
  add_library(${name} OBJECT ${ARGN})
  set_target_properties(${name} PROPERTIES CUDA_PTX_COMPILATION ON CUDA_ARCHITECTURES 90-virtual)
  target_include_directories(${name} PRIVATE $<TARGET_PROPERTY:relumc_core,INCLUDE_DIRECTORIES>)
  target_compile_definitions(${name} PRIVATE $<TARGET_PROPERTY:relumc_core,COMPILE_DEFINITIONS>)
  target_compile_options(${name} PRIVATE $<TARGET_PROPERTY:relumc_core,COMPILE_OPTIONS> -lineinfo)
endfunction()
relumc_kernel_ptx_library(relumc_kernel_ptx kernels/estimator.cu kernels/sample_kernels.cu)

set(RELUMC_KERNEL_GUARD_DIR ${CMAKE_CURRENT_BINARY_DIR}/kernel_guards)
set(_relumc_guard_script ${CMAKE_CURRENT_SOURCE_DIR}/kernels/guards/check_kernels.py)
# The launcher picks estimator_kernel's block size at run time, up to 1024 (CudaOptions::block_threads).
# chunk_sum_kernel launches with detail::kChunkSumThreads = 256 (kernels/estimator_kernels.cuh).
set(_relumc_guard_args --ptxas ${RELUMC_PTXAS} --arch sm_90 --launch-limit estimator_kernel=1024
                       --launch-limit chunk_sum_kernel=256)
add_custom_command(
  OUTPUT ${RELUMC_KERNEL_GUARD_DIR}/checked.txt
  COMMAND ${Python3_EXECUTABLE} ${_relumc_guard_script} ${_relumc_guard_args} --out-dir ${RELUMC_KERNEL_GUARD_DIR}
          --stamp ${RELUMC_KERNEL_GUARD_DIR}/checked.txt
          --source ${CMAKE_CURRENT_SOURCE_DIR}/kernels/estimator.cu
          --source ${CMAKE_CURRENT_SOURCE_DIR}/kernels/sample_kernels.cu
          $<TARGET_OBJECTS:relumc_kernel_ptx>
  DEPENDS relumc_kernel_ptx $<TARGET_OBJECTS:relumc_kernel_ptx> ${_relumc_guard_script}
          ${CMAKE_CURRENT_SOURCE_DIR}/kernels/estimator.cu ${CMAKE_CURRENT_SOURCE_DIR}/kernels/sample_kernels.cu
  COMMENT "Checking the CUDA kernels' PTX (rounding, fma, launch bounds) and ptxas report (spills)"
  VERBATIM COMMAND_EXPAND_LISTS)
add_custom_target(relumc_kernel_guards ALL DEPENDS ${RELUMC_KERNEL_GUARD_DIR}/checked.txt)

if(RELUMC_BUILD_TESTS)
  # PTX that must fail: the estimator contracted (a copy of the file, so its --fmad=false does not apply) and
  # the probes. Built with the tests; the checks run as a test, whose success is catching every kind.
  configure_file(kernels/estimator.cu ${RELUMC_KERNEL_GUARD_DIR}/probes/estimator_fmad.cu COPYONLY)
  relumc_kernel_ptx_library(relumc_kernel_guard_probes ${RELUMC_KERNEL_GUARD_DIR}/probes/estimator_fmad.cu
                            tests/support/kernel_guard_probes.cu)
  target_include_directories(relumc_kernel_guard_probes PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  set_source_files_properties(${RELUMC_KERNEL_GUARD_DIR}/probes/estimator_fmad.cu PROPERTIES COMPILE_OPTIONS --fmad=true)
  add_custom_target(relumc_kernel_guard_probe_ptx ALL DEPENDS relumc_kernel_guard_probes)
  add_test(NAME Guards.KernelChecksCatchViolations
           COMMAND ${Python3_EXECUTABLE} ${_relumc_guard_script} ${_relumc_guard_args}
                   --out-dir ${RELUMC_KERNEL_GUARD_DIR}/probes --source ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/kernel_guard_probes.cu
                   --expect rounding,fma-source,spill,launch-bounds,launch-site $<TARGET_OBJECTS:relumc_kernel_guard_probes>
           COMMAND_EXPAND_LISTS)
  # The SASS-counted speed targets (bench/sass_budget.py --check on this build's cubins; nvdisasm from PyPI
  # when the toolkit has none).
  add_test(NAME Guards.SassBudget
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/kernels/guards/sass_budget_check.sh ${Python3_EXECUTABLE}
                   ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(Guards.SassBudget PROPERTIES TIMEOUT 300)
  # ... and it can say no: with every target halved, the check fails naming the misses.
  add_test(NAME Guards.SassBudgetCatchesAMiss
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/kernels/guards/sass_budget_check.sh ${Python3_EXECUTABLE}
                   ${CMAKE_CURRENT_BINARY_DIR} --scale-targets 0.5)
  set_tests_properties(Guards.SassBudgetCatchesAMiss PROPERTIES TIMEOUT 300 DEPENDS Guards.SassBudget
                       PASS_REGULAR_EXPRESSION "Targets missed: v1 double floor .*Targets missed: v2 float floor")
  # A fast-math flag stops the configure step with the reason (a scratch configure of this source tree).
  add_test(NAME Guards.FastMathFlagsRefused
           COMMAND ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_SOURCE_DIR} -B ${RELUMC_KERNEL_GUARD_DIR}/fastmath-configure
                   -G ${CMAKE_GENERATOR} -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} -DRELUMC_BUILD_TESTS=OFF
                   -DRELUMC_BUILD_BENCH=OFF -DRELUMC_ENABLE_MPI=OFF "-DCMAKE_CUDA_FLAGS=--use_fast_math")
  set_tests_properties(Guards.FastMathFlagsRefused PROPERTIES
                       PASS_REGULAR_EXPRESSION "CMAKE_CUDA_FLAGS holds .--use_fast_math." TIMEOUT 300)
endif()
