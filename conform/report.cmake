# conform/report.cmake: the report writers of dsalloc-conform (report.h),
# their tests, and the checks that the documents they write parse: python3
# reads the JUnit XML and the JSON, headless Chromium loads the HTML page
# (conform/tools/check_html_dom.py). Included from conform/CMakeLists.txt
# with DSALLOC_BUILD_TESTS on; paths are relative to this file, so the
# including directory does not matter.

set(_report_dir ${CMAKE_CURRENT_LIST_DIR})

add_library(dsalloc_conform_report STATIC
  ${_report_dir}/result.cpp
  ${_report_dir}/escape.cpp
  ${_report_dir}/report.cpp
  ${_report_dir}/report_text.cpp
  ${_report_dir}/report_junit.cpp
  ${_report_dir}/report_json.cpp
  ${_report_dir}/report_html.cpp)
target_include_directories(dsalloc_conform_report PUBLIC ${_report_dir})
target_link_libraries(dsalloc_conform_report PRIVATE dsalloc_warnings)

# Its tests are GoogleTest programs: Linux only.
if(WIN32)
  return()
endif()

if(NOT TARGET GTest::gtest_main)
  find_package(GTest REQUIRED)
endif()
if(NOT Python3_EXECUTABLE)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
endif()
include(GoogleTest)

add_executable(dsalloc_conform_report_test ${_report_dir}/report_test.cpp)
target_link_libraries(dsalloc_conform_report_test PRIVATE
  dsalloc_conform_report GTest::gtest_main dsalloc_warnings)
gtest_discover_tests(dsalloc_conform_report_test
  TEST_PREFIX "conform.report."
  DISCOVERY_MODE PRE_TEST
  PROPERTIES TIMEOUT 60)

add_executable(conform_report_sample ${_report_dir}/report_sample.cpp)
target_link_libraries(conform_report_sample PRIVATE dsalloc_conform_report dsalloc_warnings)

# The sample in every format, written once per ctest run (a fixture), then
# checked by the three parsers.
set(_report_out ${CMAKE_CURRENT_BINARY_DIR}/conform_report_out)
file(MAKE_DIRECTORY ${_report_out})
add_test(NAME conform.report.sample.write
  COMMAND conform_report_sample
          --text ${_report_out}/sample.txt --junit ${_report_out}/sample.xml
          --json ${_report_out}/sample.json --html ${_report_out}/sample.html)
set_tests_properties(conform.report.sample.write PROPERTIES
  FIXTURES_SETUP conform_report_sample TIMEOUT 60)

add_test(NAME conform.report.sample.junit_parses
  COMMAND ${Python3_EXECUTABLE} -c
          "import sys, xml.dom.minidom; d = xml.dom.minidom.parse(sys.argv[1]); n = len(d.getElementsByTagName('testcase')); print(n, 'testcases'); sys.exit(0 if n > 0 else 1)"
          ${_report_out}/sample.xml)
add_test(NAME conform.report.sample.json_parses
  COMMAND ${Python3_EXECUTABLE} -m json.tool ${_report_out}/sample.json ${_report_out}/sample.reformatted.json)
# Chromium is required, not optional: when it is missing the test fails and
# says how to install it (tools/setup-debian.sh does).
find_program(DSALLOC_CHROMIUM NAMES chromium chromium-browser)
if(NOT DSALLOC_CHROMIUM)
  set(DSALLOC_CHROMIUM chromium)
endif()
add_test(NAME conform.report.sample.html_dom
  COMMAND ${Python3_EXECUTABLE} ${_report_dir}/tools/check_html_dom.py
          --chromium ${DSALLOC_CHROMIUM}
          --json ${_report_out}/sample.json ${_report_out}/sample.html)
set_tests_properties(conform.report.sample.junit_parses conform.report.sample.json_parses
  PROPERTIES FIXTURES_REQUIRED conform_report_sample TIMEOUT 60)
set_tests_properties(conform.report.sample.html_dom PROPERTIES
  FIXTURES_REQUIRED conform_report_sample TIMEOUT 180)
