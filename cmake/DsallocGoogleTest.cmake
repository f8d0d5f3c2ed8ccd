# dsalloc_gtest_or_return(): what a folder says before its GoogleTest
# programs. Debian's GoogleTest (and RapidCheck) are Linux builds, so on
# Windows a folder builds its libraries only (the kit's Windows tests are
# conform/windows.cmake): there the macro returns from the list file that
# called it, and the rest of that file is not read. Elsewhere it finds
# GoogleTest and includes gtest_discover_tests() (module GoogleTest).
#
# A macro, not a function, on purpose: return() in a macro returns from the
# caller's file (CMake's macro() documentation), and that return is the
# point here. Used by harness/, props/ and conform/soak.cmake.
include_guard(GLOBAL)

macro(dsalloc_gtest_or_return)
  if(WIN32)
    return()
  endif()
  find_package(GTest REQUIRED)
  include(GoogleTest)
endmacro()
