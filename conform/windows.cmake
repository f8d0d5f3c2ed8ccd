# conform/windows.cmake: dsalloc-conform.exe judged and judging under Wine.
# Included from windows/CMakeLists.txt (after its Wine prefixes, fixtures
# and dsalloc_windows_test are defined); ctest runs the kit under the
# toolchain's wine (CMAKE_CROSSCOMPILING_EMULATOR).
#   conform.windows.system      Wine's own quartz, the system's
#                               CLSID_MemoryAllocator, portable, held to
#                               conform/wine/quartz.expect (README.md there)
#   conform.windows.dll         dsalloc.dll loaded by path: strict, every rule
#   conform.windows.replaced    dsalloc.dll registered in place of the
#                               system's allocator (dsalloc-register): the kit's
#                               default server is then dsalloc.dll; strict
#   conform.windows.control     the base classes' CMemAllocator (controls/) as
#                               a DLL: portable passes it
#   conform.windows.variant.<k> the variants built for Windows: each rejected
#   conform.windows.hostile.<m> isolation: a crash, a hang, a runaway
#                               allocation (tests/hostile_server.cpp as a DLL)
#   conform.windows.interrupts  Ctrl-C, SIGTERM and SIGKILL of the kit: no child
#                               left, reports marked interrupted
#   conform.windows.wine_table  wine/README.md's table is what the run saw
set(conform_dir ${CMAKE_CURRENT_LIST_DIR})
set(conform_out ${CMAKE_BINARY_DIR}/conform/conform_out)
file(MAKE_DIRECTORY ${conform_out})

dsalloc_windows_test(NAME conform.windows.system PREFIX default
  COMMAND dsalloc_conform --seed 1 --expect ${conform_dir}/wine/quartz.expect
          --json ${conform_out}/wine-quartz.json --junit ${conform_out}/wine-quartz.xml
          --trace-dir ${conform_out}/wine-quartz-traces
  PROPERTIES TIMEOUT 900 LABELS conform)
# conform/wine/README.md's table of Wine's results is what this run saw.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME conform.windows.wine_table
         COMMAND ${Python3_EXECUTABLE} ${conform_dir}/tools/wine_table.py
                 --json ${conform_out}/wine-quartz.json --expect ${conform_dir}/wine/quartz.expect
                 --readme ${conform_dir}/wine/README.md)
set_tests_properties(conform.windows.wine_table PROPERTIES DEPENDS conform.windows.system
                     LABELS conform)
dsalloc_windows_test(NAME conform.windows.dll PREFIX default
  COMMAND dsalloc_conform --server $<TARGET_FILE:dsalloc> --profile strict
          --json ${conform_out}/dsalloc-dll.json --trace-dir ${conform_out}/dsalloc-dll-traces
  PROPERTIES TIMEOUT 900 LABELS conform)
dsalloc_windows_test(NAME conform.windows.control PREFIX default
  COMMAND dsalloc_conform --server $<TARGET_FILE:dsalloc_control_baseclasses> --profile portable
          --trace-dir ${conform_out}/control-traces
  PROPERTIES TIMEOUT 900 LABELS conform)
# Which module answered is the report's implementation line; the verdict is
# the last line (PASS_REGULAR_EXPRESSION replaces the exit-code check).
dsalloc_windows_test(NAME conform.windows.replaced PREFIX registration
  COMMAND dsalloc_conform --profile strict --trace-dir ${conform_out}/replaced-traces
  PROPERTIES TIMEOUT 900 LABELS conform
             PASS_REGULAR_EXPRESSION "system \\([^)]*dsalloc\\.dll\\), strict profile.*exit code 0")
set_tests_properties(conform.windows.replaced PROPERTIES FIXTURES_REQUIRED
                     "wine_registration_prefix;dsalloc_replaces_system")

foreach(variant IN LISTS DSALLOC_WINDOWS_VARIANTS)
  dsalloc_windows_test(NAME conform.windows.variant.${variant} PREFIX default
    COMMAND dsalloc_conform --server $<TARGET_FILE:dsalloc_variant_${variant}> --profile strict
            --phases cases,soak --trace-dir ${conform_out}/variant-${variant}-traces
    PROPERTIES TIMEOUT 600 LABELS conform
               PASS_REGULAR_EXPRESSION "[1-9][0-9]* fail, .*exit code 1")
endforeach()

# The kit's isolation under Wine: a crash, a hang and a runaway allocation
# each fail the cases they happen in and nothing else, no process of the run
# outlives the kit, and the runaway is ended near the kit's memory limit by
# the kit's own polling (Wine does not enforce job limits).
add_library(dsalloc_conform_hostile MODULE ${conform_dir}/tests/hostile_server.cpp)
target_include_directories(dsalloc_conform_hostile PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(dsalloc_conform_hostile PRIVATE
  dsalloc::dsalloc_static dsalloc::comkit dsalloc_warnings)
set_target_properties(dsalloc_conform_hostile PROPERTIES PREFIX "")
foreach(mode allocate hang crash)
  dsalloc_windows_test(NAME conform.windows.hostile.${mode} PREFIX default
    COMMAND ${Python3_EXECUTABLE} ${conform_dir}/tools/check_hostile.py
            --wrapper ${CMAKE_CROSSCOMPILING_EMULATOR} --kit $<TARGET_FILE:dsalloc_conform>
            --server $<TARGET_FILE:dsalloc_conform_hostile> --mode ${mode}
            --memory-limit-mb 512 --out ${CMAKE_CURRENT_BINARY_DIR}/hostile-${mode}
    PROPERTIES TIMEOUT 400 LABELS conform)
endforeach()
# allocate alone: its child writes every page up to the limit, and beside
# conform.windows.system (Wine's quartz runs away to the kit's limit there)
# a slowed runaway still writing at the case timeout reads as a hang.
set_tests_properties(conform.windows.hostile.allocate PROPERTIES RUN_SERIAL TRUE)

# Ctrl-C (SIGINT, which Wine delivers as a console Ctrl-C), SIGTERM and
# SIGKILL of the kit under Wine: no child outlives it; after a Ctrl-C the
# reports are written, marked interrupted (tools/check_cli_run.py --wine).
dsalloc_windows_test(NAME conform.windows.interrupts PREFIX default
  COMMAND ${Python3_EXECUTABLE} ${conform_dir}/tools/check_cli_run.py
          --kit $<TARGET_FILE:dsalloc_conform> --variant - --hostile $<TARGET_FILE:dsalloc_conform_hostile>
          --wine ${CMAKE_CROSSCOMPILING_EMULATOR}
  PROPERTIES TIMEOUT 300 LABELS conform)
