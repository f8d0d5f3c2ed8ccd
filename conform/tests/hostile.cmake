# conform/tests/hostile.cmake: the kit's isolation against a deliberately
# hostile server (hostile_server.cpp), included from conform/CMakeLists.txt.
#   dsalloc_conform_hostile   ${CMAKE_BINARY_DIR}/conform/libdsalloc_conform_hostile.so:
#                             dsalloc behind a wrapper that, per DSALLOC_HOSTILE,
#                             allocates without bound, hangs or crashes
#   conform.hostile.<mode>    tools/check_hostile.py: the kit fails the cases
#                             the server breaks (GEN.NOCRASH / GEN.NOHANG, with
#                             what the child did), passes the rest, exits 1,
#                             and its memory stays bounded
# Not registered under ThreadSanitizer: TSan maps terabytes of shadow
# address space, which the kit's RLIMIT_AS (applied to every child except
# under ASan) does not leave room for; these checks are about isolation,
# not races.
add_library(dsalloc_conform_hostile MODULE ${CMAKE_CURRENT_LIST_DIR}/hostile_server.cpp)
# dsalloc's internals (allocator.h, internal/server_lock.h): the wrapper
# creates the real allocator directly and joins its DllCanUnloadNow count.
target_include_directories(dsalloc_conform_hostile PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(dsalloc_conform_hostile PRIVATE
  dsalloc::dsalloc_static dsalloc::comkit dsalloc_warnings)
set_target_properties(dsalloc_conform_hostile PROPERTIES
  PREFIX lib
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/conform
  CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON)
target_link_options(dsalloc_conform_hostile PRIVATE -Wl,-Bsymbolic)

# Release builds only: process isolation does not depend on the compiler or
# sanitizer, and the hang mode costs its timeouts in every build.
if(DSALLOC_SANITIZE STREQUAL "")
  # allocate under a 512 MiB limit: the runaway writes every page up to the
  # limit, and at the default 2 GiB that alone can outlast the 10 s case
  # timeout on a loaded 2-core machine (then it is reported as a hang).
  set(hostile_allocate_args --memory-limit-mb 512)
  foreach(mode allocate hang crash)
    add_test(NAME conform.hostile.${mode}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/../tools/check_hostile.py
                     --kit $<TARGET_FILE:dsalloc_conform>
                     --server $<TARGET_FILE:dsalloc_conform_hostile> --mode ${mode}
                     --out ${CMAKE_CURRENT_BINARY_DIR}/hostile-${mode} ${hostile_${mode}_args})
    set_tests_properties(conform.hostile.${mode} PROPERTIES TIMEOUT 300)
  endforeach()
endif()

# Not hostile: a server without IMemAllocatorCallbackTemp (as Wine). Portable
# must pass it with the callback rules n/a (never "passed": nothing showed
# them); strict must fail the interface rule.
add_test(NAME conform.nocallback.portable
         COMMAND dsalloc_conform --server $<TARGET_FILE:dsalloc_conform_hostile> --profile portable
                 ${conform_size})
set_tests_properties(conform.nocallback.portable PROPERTIES TIMEOUT 600
  ENVIRONMENT DSALLOC_HOSTILE=nocallback
  PASS_REGULAR_EXPRESSION "NOTIFY\\.ONCE +n/a +no IMemAllocatorCallbackTemp.*exit code 0")
add_test(NAME conform.nocallback.strict
         COMMAND dsalloc_conform --server $<TARGET_FILE:dsalloc_conform_hostile> --profile strict
                 --phases cases)
set_tests_properties(conform.nocallback.strict PROPERTIES TIMEOUT 600
  ENVIRONMENT DSALLOC_HOSTILE=nocallback
  PASS_REGULAR_EXPRESSION "COM\\.ALLOC\\.QI\\.CALLBACK +FAIL")
