# Every first-party target gets the same strict warnings (DEVELOPERS.md).
# Link dsalloc_warnings privately, or (for installed targets, which must not
# export it) add DSALLOC_WARNING_FLAGS with target_compile_options.
set(DSALLOC_WARNING_FLAGS -Wall -Wextra -Werror)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Clang checks the GUARDED_BY / REQUIRES annotations of src/internal/mutex.h.
  list(APPEND DSALLOC_WARNING_FLAGS -Wthread-safety)
endif()
add_library(dsalloc_warnings INTERFACE)
target_compile_options(dsalloc_warnings INTERFACE ${DSALLOC_WARNING_FLAGS})
