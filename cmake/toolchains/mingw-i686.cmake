# Cross-compiles for i686 Windows with Debian's mingw-w64, e.g.
#   cmake --preset mingw-i686    (apt-get install g++-mingw-w64-i686-posix)
# The rest is the same for every width: mingw-w64-posix.cmake.
set(DSALLOC_MINGW_ARCH i686)
# Tests run the .exe files under 32-bit Wine.
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/lib/wine/wine)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-posix.cmake)
