// ---------------------------------------------------------------------------
// File: props/property_check.h
// ---------------------------------------------------------------------------
//
// How every property of props/ is run: RapidCheck with dsalloc's case
// counts, scaled by the environment variable DSALLOC_PROPS_SCALE (a positive
// number, default 1; soak runs use 10, 100, ...), inside a GoogleTest test.
//
// On failure the GoogleTest failure carries RapidCheck's shrunk
// counterexample (the trace, one op per line in op.h's format) and one line
//   dsalloc-props: KILLED property=<test> trace_length=<ops>
// that tools/kill_table.py reads to build the table of broken variants each
// property kills. On success it prints the case count and cases per second.
//
// Threading: call from the GoogleTest thread only.

#ifndef DSALLOC_PROPS_PROPERTY_CHECK_H_
#define DSALLOC_PROPS_PROPERTY_CHECK_H_

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace dsalloc::props {

// DSALLOC_PROPS_SCALE, or 1.
inline double Scale() {
  const char* text = std::getenv("DSALLOC_PROPS_SCALE");
  if (text == nullptr || *text == '\0') return 1.0;
  double scale = std::strtod(text, nullptr);
  return scale > 0 ? scale : 1.0;
}

// The length of the last failing case of the property being checked. A
// property sets it whenever a case fails; since RapidCheck's shrinking ends
// on the smallest failing case, the last value is the minimal trace length.
inline int& LastFailureLength() {
  static int length = 0;
  return length;
}

// Runs `property` for `default_cases` x Scale() successful cases.
template <typename Property>
void CheckProperty(int default_cases, Property&& property) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = static_cast<int>(default_cases * Scale());
  if (params.maxSuccess < 1) params.maxSuccess = 1;
  rc::detail::TestMetadata metadata{name, name};
  LastFailureLength() = 0;

  auto start = std::chrono::steady_clock::now();
  rc::detail::TestResult result =
      rc::detail::checkTestable(std::forward<Property>(property), metadata, params);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::ostringstream message;
  rc::detail::printResultMessage(result, message);
  if (result.template is<rc::detail::SuccessResult>()) {
    int cases = result.template get<rc::detail::SuccessResult>().numSuccess;
    std::printf("dsalloc-props: %s passed %d cases in %.2f s (%.0f cases/s)\n", name.c_str(), cases,
                seconds, seconds > 0 ? cases / seconds : 0.0);
    return;
  }
  std::printf("dsalloc-props: KILLED property=%s trace_length=%d\n", name.c_str(),
              LastFailureLength());
  std::fflush(stdout);
  ADD_FAILURE() << message.str();
}

}  // namespace dsalloc::props

#endif  // DSALLOC_PROPS_PROPERTY_CHECK_H_
