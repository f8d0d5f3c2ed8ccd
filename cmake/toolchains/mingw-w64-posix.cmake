# What the mingw-<arch>.cmake toolchain files share: cross-compiling for
# Windows with Debian's mingw-w64, the posix-thread variant (std::thread and
# std::mutex need winpthreads). Not a toolchain file itself: the including
# file sets DSALLOC_MINGW_ARCH (the target triplet's first part, also
# CMAKE_SYSTEM_PROCESSOR) and CMAKE_CROSSCOMPILING_EMULATOR (the Wine loader
# of that width: the tests run the .exe files under Wine).
# The C++ runtime is linked statically (cmake/DsallocWindows.cmake), so no
# MinGW DLL has to sit beside what is built.
set(_dsalloc_mingw_triplet ${DSALLOC_MINGW_ARCH}-w64-mingw32)
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR ${DSALLOC_MINGW_ARCH})
set(CMAKE_C_COMPILER ${_dsalloc_mingw_triplet}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_dsalloc_mingw_triplet}-g++-posix)
set(CMAKE_RC_COMPILER ${_dsalloc_mingw_triplet}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${_dsalloc_mingw_triplet})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
