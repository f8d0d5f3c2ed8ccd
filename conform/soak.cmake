# conform/soak.cmake: the soak phase of dsalloc-conform (soak.h), included
# from conform/CMakeLists.txt.
#   dsalloc_conform_soak  RunSoak: sustained multi-threaded traffic on "an
#                         implementation", counted exactly
#   conform_soak_test     its GoogleTest: the embedded dsalloc passes, a
#                         notify-swallowing wrapper and the broken variants
#                         the traffic can see fail (ctest prefix conform.soak.)
find_package(Threads REQUIRED)
include(${PROJECT_SOURCE_DIR}/cmake/DsallocGoogleTest.cmake)
# soak.cpp is RunSoak; the other files are the pieces of its Soak
# (soak_core.h lists them).
set(_soak_sources soak.cpp soak_callback.cpp soak_checks.cpp soak_controller.cpp
    soak_decommit.cpp soak_report.cpp soak_setnotify.cpp soak_traffic.cpp soak_watchdog.cpp)
list(TRANSFORM _soak_sources PREPEND ${CMAKE_CURRENT_LIST_DIR}/)
add_library(dsalloc_conform_soak STATIC ${_soak_sources})
add_library(dsalloc::conform_soak ALIAS dsalloc_conform_soak)
target_include_directories(dsalloc_conform_soak PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(dsalloc_conform_soak
  PUBLIC dsalloc::harness Threads::Threads
  PRIVATE dsalloc_warnings)

# Its tests are GoogleTest programs: Linux only.
dsalloc_gtest_or_return()
add_executable(conform_soak_test ${CMAKE_CURRENT_LIST_DIR}/soak_test.cpp)
target_link_libraries(conform_soak_test PRIVATE
  dsalloc_conform_soak GTest::gtest_main Threads::Threads dsalloc_warnings)
target_compile_definitions(conform_soak_test PRIVATE
  DSALLOC_VARIANTS_DIR="${CMAKE_BINARY_DIR}/variants")
foreach(variant kLostNotify kSetNotifyNoAddRef kOldCallbackKept kDecommitWakesOne
                kPhantomWaiter kLeakedSelfRef kNotifyUnderLock kNotifyBeforeFree
                kFreeCountOffByOne kSetNotifyReleaseFirst)
  if(TARGET dsalloc_variant_${variant})
    add_dependencies(conform_soak_test dsalloc_variant_${variant})
  endif()
endforeach()
gtest_discover_tests(conform_soak_test
  TEST_PREFIX "conform.soak."
  DISCOVERY_MODE PRE_TEST
  PROPERTIES TIMEOUT 300)
