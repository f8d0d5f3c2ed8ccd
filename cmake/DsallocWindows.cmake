# Windows (mingw-w64, cmake/toolchains/): what every target needs there.
# - The C++ runtime (libstdc++, libgcc, winpthreads) is linked statically:
#   a DLL that COM loads into someone else's process cannot expect MinGW's
#   runtime DLLs beside it (CoCreateInstance fails under Wine without them).
# - windows.h keeps its hands off std::min/std::max and the rarely used APIs.
# - <dsalloc/strmif.h> is the SDK there: ole32 (CoTaskMem*), strmiids
#   (the DirectShow GUIDs), uuid (IID_IUnknown, GUID_NULL).
# - Executables and DLLs land in one folder, ${CMAKE_BINARY_DIR}/bin, so a
#   program finds dsalloc.dll beside it, as Windows looks for it (modules
#   with their own LIBRARY_OUTPUT_DIRECTORY, the variants, stay there).
# - dsalloc_windows_exports(target def_file): the DLL exports exactly what
#   def_file lists, undecorated on i686 too.
if(NOT WIN32)
  return()
endif()
add_link_options(-static)
add_compile_definitions(NOMINMAX WIN32_LEAN_AND_MEAN _WIN32_WINNT=0x0601)
set(DSALLOC_WINDOWS_SDK_LIBRARIES ole32 strmiids uuid)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)

# dsalloc_windows_exports(<target> <def_file>)
#
# Links the SHARED or MODULE <target> with <def_file>, whose EXPORTS become
# the DLL's whole export table: without one, ld exports every global symbol
# of every object, the static runtime's included (winpthreads, libgcc), so a
# program linking the import library gets duplicate definitions.
# <def_file> spells every stdcall name with its i686 decoration
# (DllGetClassObject@12); the DLL exports the undecorated names.
# - x86_64: no decoration exists, so the target links a copy of <def_file>
#   with the @N suffixes stripped.
# - i686: --kill-at exports the names undecorated. ld then also writes an
#   undecorated import library, which a stdcall caller (it asks for
#   _DllGetClassObject@12) cannot use, and which silently lets such a caller
#   bind to ole32's DllGetClassObject instead; so dlltool rewrites the import
#   library from <def_file>: decorated symbols, undecorated import names.
function(dsalloc_windows_exports target def_file)
  if(CMAKE_SIZEOF_VOID_P EQUAL 8)
    file(READ ${def_file} text)
    string(REGEX REPLACE "@[0-9]+" "" text "${text}")
    set(stripped ${CMAKE_CURRENT_BINARY_DIR}/${target}.def)
    file(CONFIGURE OUTPUT ${stripped} CONTENT "${text}" @ONLY)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${def_file})
    target_sources(${target} PRIVATE ${stripped})
    return()
  endif()
  target_sources(${target} PRIVATE ${def_file})
  target_link_options(${target} PRIVATE -Wl,--kill-at)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    if(NOT CMAKE_DLLTOOL)
      message(FATAL_ERROR "dsalloc_windows_exports: no dlltool (CMAKE_DLLTOOL)")
    endif()
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${CMAKE_DLLTOOL} --kill-at --def ${def_file}
              --dllname $<TARGET_FILE_NAME:${target}>
              --output-lib $<TARGET_LINKER_FILE:${target}>
      COMMENT "Import library of ${target} with stdcall-decorated symbols"
      VERBATIM)
  endif()
endfunction()
