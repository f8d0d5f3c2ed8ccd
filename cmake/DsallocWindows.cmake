# Windows (mingw-w64, cmake/toolchains/): what every target needs there.
# - The C++ runtime (libstdc++, libgcc, winpthreads) is linked statically:
#   a DLL that COM loads into someone else's process cannot expect MinGW's
#   runtime DLLs beside it (CoCreateInstance fails under Wine without them).
# - windows.h keeps its hands off std::min/std::max and the rarely used APIs.
# - <dsalloc/strmif.h> is the SDK there: ole32 (CoTaskMem*), strmiids
#   (the DirectShow GUIDs), uuid (IID_IUnknown, GUID_NULL).
if(NOT WIN32)
  return()
endif()
add_link_options(-static)
add_compile_definitions(NOMINMAX WIN32_LEAN_AND_MEAN _WIN32_WINNT=0x0601)
set(DSALLOC_WINDOWS_SDK_LIBRARIES ole32 strmiids uuid)
