# Sanitizers apply to the whole build tree, so that every library, test and
# loadable implementation is instrumented alike.
if(DSALLOC_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(DSALLOC_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT DSALLOC_SANITIZE STREQUAL "")
  message(FATAL_ERROR "DSALLOC_SANITIZE must be '', 'address' or 'thread'")
endif()

# Fuzzers (fuzz/): with DSALLOC_BUILD_FUZZERS the whole tree gets libFuzzer's
# coverage instrumentation, and fuzz/ links its <target>_fuzzer binaries
# with DSALLOC_FUZZING_ENGINE (-fsanitize=fuzzer; OSS-Fuzz passes its
# $LIB_FUZZING_ENGINE and its own instrumentation flags, then sets
# DSALLOC_FUZZ_INSTRUMENT=OFF). Clang only; combine with DSALLOC_SANITIZE.
option(DSALLOC_BUILD_FUZZERS "Build the libFuzzer targets of fuzz/ (clang)" OFF)
option(DSALLOC_FUZZ_INSTRUMENT "Add -fsanitize=fuzzer-no-link to the whole build" ON)
set(DSALLOC_FUZZING_ENGINE "-fsanitize=fuzzer" CACHE STRING "Link flags of the fuzzer binaries")
if(DSALLOC_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DSALLOC_BUILD_FUZZERS=ON needs clang (libFuzzer)")
  endif()
  if(DSALLOC_FUZZ_INSTRUMENT)
    # Coverage of the implementation and the model, not of the checker
    # (fuzz/coverage_ignorelist.txt).
    add_compile_options(-fsanitize=fuzzer-no-link
      -fsanitize-coverage-ignorelist=${CMAKE_CURRENT_LIST_DIR}/../fuzz/coverage_ignorelist.txt)
  endif()
  # UBSan's vptr check compares type_info across modules: a server loaded
  # with DSALLOC_IMPL (the control's CXX_VISIBILITY_PRESET hidden, any
  # foreign COM server) has its own, and every call through one of its
  # interfaces would be reported. A fuzzer must not give that false finding.
  add_compile_options(-fno-sanitize=vptr)
  add_link_options(-fno-sanitize=vptr)
endif()
