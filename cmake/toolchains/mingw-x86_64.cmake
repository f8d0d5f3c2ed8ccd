# Cross-compiles for x86_64 Windows with Debian's mingw-w64, e.g.
#   cmake --preset mingw-x86_64    (apt-get install g++-mingw-w64-x86-64-posix)
# The rest is the same for every width: mingw-w64-posix.cmake.
set(DSALLOC_MINGW_ARCH x86_64)
# Tests run the .exe files under wine64.
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/lib/wine/wine64)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-posix.cmake)
