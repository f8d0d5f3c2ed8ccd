# Every first-party target gets the same warnings. -Werror only where the
# project asks for it (its presets and CI set DSALLOC_WERROR=ON): someone
# building or packaging dsalloc with a newer compiler must never be stopped
# by a warning that compiler adds.
# Link dsalloc_warnings privately, or (for installed targets, which must not
# export it) add DSALLOC_WARNING_FLAGS with target_compile_options.
option(DSALLOC_WERROR "Treat compiler warnings as errors (the project's presets and CI)" OFF)
set(DSALLOC_WARNING_FLAGS -Wall -Wextra)
if(DSALLOC_WERROR)
  list(APPEND DSALLOC_WARNING_FLAGS -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # g++ 12 at -O3 reports `"literal" + std::string` as overlapping memcpy
  # (-Wrestrict, GCC bug 105651, fixed in 13): a warning, never an error.
  list(APPEND DSALLOC_WARNING_FLAGS -Wno-error=restrict)
endif()
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Clang checks the GUARDED_BY / REQUIRES annotations of src/internal/mutex.h.
  list(APPEND DSALLOC_WARNING_FLAGS -Wthread-safety)
endif()
add_library(dsalloc_warnings INTERFACE)
target_compile_options(dsalloc_warnings INTERFACE ${DSALLOC_WARNING_FLAGS})
