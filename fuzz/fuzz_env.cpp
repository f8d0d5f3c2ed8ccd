// fuzz/fuzz_env.cpp: implementation, profile, waits and findings
// (fuzz_env.h).

#include "fuzz_env.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dsalloc::fuzz {
namespace {

bool record_findings = false;
int findings = 0;

double TimeoutScale() {
  if (const char* text = std::getenv("DSALLOC_TIMEOUT_SCALE")) {
    double v = std::strtod(text, nullptr);
    if (v > 0) return v;
  }
  return 1.0;
}

}  // namespace

const harness::Implementation& SelectedImplementation() { return harness::Selected(); }

spec::Profile SelectedProfile() {
  static const spec::Profile profile = [] {
    const char* text = std::getenv("DSALLOC_PROFILE");
    if (text == nullptr || *text == '\0') {
      const char* impl = std::getenv("DSALLOC_IMPL");
      bool foreign = impl != nullptr && *impl != '\0';
      return foreign ? spec::Profile::kPortable : spec::Profile::kStrict;
    }
    if (std::strcmp(text, "strict") == 0) return spec::Profile::kStrict;
    if (std::strcmp(text, "portable") == 0) return spec::Profile::kPortable;
    std::fprintf(stderr, "DSALLOC_PROFILE must be strict or portable, got '%s'\n", text);
    std::exit(2);
  }();
  return profile;
}

harness::Driver::Options DriverOptions() {
  const double scale = TimeoutScale();
  auto ms = [scale](double base) {
    return std::chrono::milliseconds(static_cast<long>(base * scale));
  };
  double settle = 5;
  if (const char* text = std::getenv("DSALLOC_FUZZ_SETTLE_MS")) {
    double v = std::strtod(text, nullptr);
    if (v > 0) settle = v;
  }
  harness::Driver::Options options;
  // GEN.NOHANG: a call still running after this is a finding, reported
  // well before libFuzzer's own -timeout.
  options.hang_timeout = ms(2000);
  options.lock_probe_timeout = ms(500);
  options.settle = ms(settle);
  // An op run while threads wait costs no settle of its own (driver.h).
  options.unexpected_settle = std::chrono::milliseconds(0);
  // A GetBuffer the model says returns costs no hand-over to a worker.
  options.direct_calls = true;
  return options;
}

void Finding(std::string_view target, const std::string& report, const spec::Trace& trace,
             bool parallel) {
  std::fprintf(stderr, "dsalloc-fuzz: FINDING target=%.*s impl=%s profile=%s\n%s",
               static_cast<int>(target.size()), target.data(),
               SelectedImplementation().name.c_str(),
               SelectedProfile() == spec::Profile::kStrict ? "strict" : "portable", report.c_str());
  std::fprintf(stderr, "--- the input as a trace (dsalloc-replay runs it) ---\n");
  if (parallel) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(spec::kParallelTraceMarker.size()),
                 spec::kParallelTraceMarker.data());
  }
  for (const spec::TraceLine& line : trace) {
    std::fprintf(stderr, "%s\n", spec::ToString(line).c_str());
  }
  std::fprintf(stderr, "--- end of trace ---\n");
  std::fflush(stderr);
  if (!record_findings) std::abort();
  ++findings;
}

void RecordFindingsInsteadOfAborting() { record_findings = true; }

int TakeFindings() {
  int n = findings;
  findings = 0;
  return n;
}

}  // namespace dsalloc::fuzz
