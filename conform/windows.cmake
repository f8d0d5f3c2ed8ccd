# conform/windows.cmake: dsalloc-conform.exe judged and judging under Wine
# (included from conform/CMakeLists.txt on Windows). ctest runs each test
# under the toolchain's wine through CMAKE_CROSSCOMPILING_EMULATOR, in the
# build's own Wine prefix (tools/run-windows.sh prepares it).
#   conform.windows.system      Wine's own quartz, the system's
#                               CLSID_MemoryAllocator, portable, against the
#                               expectations kept in conform/wine-quartz.expect
#   conform.windows.dll         dsalloc.dll loaded by path: every rule passes
#                               under strict
#   conform.windows.control     the base classes' CMemAllocator (controls/)
#                               as a DLL: portable passes it
set(conform_wine_env WINEPREFIX=${CMAKE_BINARY_DIR}/wineprefix WINEDEBUG=-all
    "WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d")
set(conform_out ${CMAKE_CURRENT_BINARY_DIR}/conform_out)
file(MAKE_DIRECTORY ${conform_out})

add_test(NAME conform.windows.system
         COMMAND dsalloc_conform --profile portable
                 --expect ${CMAKE_CURRENT_SOURCE_DIR}/wine-quartz.expect
                 --json ${conform_out}/wine-quartz.json --junit ${conform_out}/wine-quartz.xml
                 --trace-dir ${conform_out}/wine-quartz-traces)
add_test(NAME conform.windows.dll
         COMMAND dsalloc_conform --server $<TARGET_FILE:dsalloc> --profile strict
                 --json ${conform_out}/dsalloc-dll.json --trace-dir ${conform_out}/dsalloc-dll-traces)
add_test(NAME conform.windows.control
         COMMAND dsalloc_conform --server $<TARGET_FILE:dsalloc_control_baseclasses>
                 --profile portable --trace-dir ${conform_out}/control-traces)
set_tests_properties(conform.windows.system conform.windows.dll conform.windows.control
                     PROPERTIES TIMEOUT 900 ENVIRONMENT "${conform_wine_env}")

# The kit's isolation under Wine (tests/hostile_server.cpp as a DLL,
# tools/check_hostile.py running the kit under wine64): a crash, a hang and a
# runaway allocation each fail the cases they happen in and nothing else,
# no child outlives the kit, and the runaway is ended near the kit's memory
# limit by the kit's own polling, since Wine does not enforce job limits.
add_library(dsalloc_conform_hostile MODULE ${CMAKE_CURRENT_SOURCE_DIR}/tests/hostile_server.cpp)
target_include_directories(dsalloc_conform_hostile PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(dsalloc_conform_hostile PRIVATE dsalloc::dsalloc_static dsalloc_warnings)
set_target_properties(dsalloc_conform_hostile PROPERTIES
  PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/conform)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
foreach(mode allocate hang crash)
  add_test(NAME conform.windows.hostile.${mode}
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/tools/check_hostile.py
                   --wrapper ${CMAKE_CROSSCOMPILING_EMULATOR}
                   --kit $<TARGET_FILE:dsalloc_conform>
                   --server $<TARGET_FILE:dsalloc_conform_hostile> --mode ${mode}
                   --memory-limit-mb 512 --out ${CMAKE_CURRENT_BINARY_DIR}/hostile-${mode})
  set_tests_properties(conform.windows.hostile.${mode} PROPERTIES
                       TIMEOUT 400 ENVIRONMENT "${conform_wine_env}")
endforeach()
