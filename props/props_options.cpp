// props/props_options.cpp: the props binary's options (props_options.h).

#include "props_options.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "harness/implementation.h"

namespace dsalloc::props {
namespace {

spec::Profile profile = spec::Profile::kStrict;
std::string trace_dir;

// "--name=value" -> value, else nullptr.
const char* OptionValue(const char* arg, std::string_view name) {
  std::string_view a(arg);
  if (a.substr(0, name.size()) != name || a.size() <= name.size() || a[name.size()] != '=') {
    return nullptr;
  }
  return arg + name.size() + 1;
}

}  // namespace

bool ParseOptions(int* argc, char** argv) {
  if (const char* dir = std::getenv("DSALLOC_TRACE_DIR")) trace_dir = dir;
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    const char* arg = argv[i];
    if (const char* v = OptionValue(arg, "--impl")) {
      std::string error;
      if (!harness::SelectImplementation(v, &error)) {
        std::fprintf(stderr, "--impl: %s\n", error.c_str());
        return false;
      }
    } else if (const char* v = OptionValue(arg, "--profile")) {
      if (std::strcmp(v, "strict") == 0) {
        profile = spec::Profile::kStrict;
      } else if (std::strcmp(v, "portable") == 0) {
        profile = spec::Profile::kPortable;
      } else {
        std::fprintf(stderr, "--profile must be strict or portable\n");
        return false;
      }
    } else if (const char* v = OptionValue(arg, "--trace-dir")) {
      trace_dir = v;
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  argv[out] = nullptr;
  return true;
}

spec::Profile SelectedProfile() { return profile; }

harness::Driver::Options DriverOptions() { return harness::Driver::Options::ForCheckers(); }

void WriteFailureTrace(const std::vector<spec::Op>& trace, const std::string& report) {
  if (trace_dir.empty()) return;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name =
      info != nullptr ? std::string(info->test_suite_name()) + "." + info->name() : "property";
  std::ofstream file(trace_dir + "/" + name + ".trace");
  std::istringstream lines(report);
  std::string line;
  file << "# " << name << " against " << harness::Selected().name << "\n";
  while (std::getline(lines, line)) file << "# " << line << "\n";
  for (const spec::Op& op : trace) file << spec::ToString(op) << "\n";
}

}  // namespace dsalloc::props
