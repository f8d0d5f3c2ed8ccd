# Every first-party target gets the same strict warnings (DEVELOPERS.md).
add_library(dsalloc_warnings INTERFACE)
target_compile_options(dsalloc_warnings INTERFACE -Wall -Wextra -Werror)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Clang checks the GUARDED_BY / REQUIRES annotations of src/internal/mutex.h.
  target_compile_options(dsalloc_warnings INTERFACE -Wthread-safety)
endif()
