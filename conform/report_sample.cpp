// ---------------------------------------------------------------------------
// File: conform/report_sample.cpp
// ---------------------------------------------------------------------------
//
// conform_report_sample writes one made-up Report in every format, for the
// ctest checks of report.cmake (python3 parses the XML and JSON, headless
// Chromium loads the page) and for looking at the page by eye:
//
//   conform_report_sample [--text F] [--junit F] [--json F] [--html F]
//
// The sample holds what a page must show well: passes, a parallel failure
// whose history has three threads and a call that never returned, a flaky
// rule, an expected failure, an n/a rule, and strings that need escaping.
// Exit status: 0, or 2 on a bad argument or a file that cannot be written.

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "hand_report.h"
#include "report.h"

namespace dsalloc::conform {
namespace {

Report SampleReport() {
  Report report;
  report.implementation = "/opt/peers/libquartz_alloc.so";
  report.clsid = "{1E651CC0-B199-11D0-8212-00C04FC32C45}";
  report.profile = "portable";
  report.phases = {"cases", "sequential", "parallel", "soak"};
  report.seconds = 42.75;
  report.exit_code = 1;

  const CheckResult cases =  // 0
      HandResult(Phase::kCases, "cases",
                 {"ALLOC.COMMIT.1", "ALLOC.COMMIT.2", "ALLOC.PROPS.ALIGN", "NOTIFY.ONCE"}, 0.84,
                 212);

  CheckResult sequential =  // 1
      HandResult(Phase::kSequential, "sequential",
                 {"ALLOC.COMMIT.1", "ALLOC.DECOMMIT.4", "SAMPLE.LENGTH.RANGE"}, 11.2, 120000);
  sequential.status = Status::kFail;
  sequential.divergence = {"ALLOC.DECOMMIT.4", "Decommit",
                           "S_OK, state Decommitting (1 sample out)",
                           "S_OK, state Decommitted; GetBuffer then gives VFW_E_NOT_COMMITTED"};
  sequential.detail =
      "divergence at step 7 of 9\nrule ALLOC.DECOMMIT.4 (Decommit in P)\nop: Decommit\n"
      "expected: S_OK, state Decommitting\nobserved: S_OK, state Decommitted";
  sequential.trace =
      "SetProperties 2 84 65536 0\nCommit\nGetBuffer nowait\nDecommit\nCommit\nDecommit\n";
  sequential.trace_file = "conform-out/sequential-0001.trace";

  CheckResult parallel =  // 2
      HandResult(Phase::kParallel, "parallel seed=0x5eed", {"THREAD.NOLOSTWAKE", "THREAD.SAFE"},
                 24.1, 50000);
  parallel.status = Status::kFail;
  parallel.divergence = {"THREAD.NOLOSTWAKE", "@1 GetBuffer 0",
                         "S_OK and sample 0 (sample 0 went back at t=31 while @1 waited)",
                         "still blocked 2000 ms later; GetFreeCount <- 1"};
  parallel.detail =
      "no linearization of the history explains it\nwaiter @1 blocked since t=12\n"
      "sample 0 released at t=31 with 1 waiter -> hand-off required";
  parallel.trace =
      "SetProperties 1 4096 1 0\nCommit\n@0 GetBuffer 0\n@1 GetBuffer 0\n@2 GetFreeCount\n"
      "@0 sample 0 Release\n@2 GetFreeCount\n@2 Decommit\n";
  parallel.trace_file = "conform-out/parallel-5eed.trace";
  parallel.timeline = {
      {0, "Commit", "S_OK", 0, 4},
      {0, "GetBuffer 0", "S_OK sample 0", 6, 10},
      {1, "GetBuffer 0", "", 12, -1},
      {2, "GetFreeCount", "S_OK 0", 14, 18},
      {0, "sample 0 SetActualDataLength 4096", "S_OK", 20, 24},
      {2, "SetNotify cb", "S_OK", 22, 27},
      {0, "sample 0 Release", "0", 31, 36},
      {2, "GetFreeCount", "S_OK 1", 38, 40},
      {2, "Decommit", "S_OK", 44, 47},
  };

  CheckResult soak =  // 3
      HandResult(Phase::kSoak, "soak", {"GEN.NOLEAK", "NOTIFY.ONCE"}, 6.5, 100000);
  soak.status = Status::kFlaky;
  soak.divergence = {"GEN.NOLEAK", "", "0 live objects after teardown",
                     "1 live sample after teardown (not on replay)"};
  soak.detail =
      "cycle 81234: 1 object alive; the replay of cycles 81000..81300 passed\n"
      "last log bytes: \x01\x1b[31m \xff\xfe <not a tag> & ]]>";
  soak.trace_file = "conform-out/soak-81234.trace";

  report.results = {cases, sequential, parallel, soak};

  report.rules = {
      HandRule("GEN.NOLEAK", "Every reference is returned", Status::kFlaky, "soak", {3},
               "1 live sample after teardown, once in 100000 cycles"),
      HandRule("GEN.BADINPUT", "NULL pointers give E_POINTER", Status::kPass, "cases", {0}),
      HandRule("ALLOC.PROPS.ALIGN", "Alignment check", Status::kPass, "cases", {0}),
      HandRule("ALLOC.COMMIT.1", "Commit in C", Status::kPass, "cases", {0, 1}),
      HandRule("ALLOC.COMMIT.2", "Commit in P", Status::kPass, "cases", {0}),
      HandRule("ALLOC.DECOMMIT.4", "Decommit in P", Status::kFail, "sequential", {1},
               "Decommit with a sample out went straight to Decommitted"),
      HandRule("ALLOC.FREELIST.ORDER", "Which free sample GetBuffer returns", Status::kPass,
               "sequential", {1}),
      HandRule("SAMPLE.LENGTH.RANGE", "SetActualDataLength out of range", Status::kPass,
               "sequential", {1}),
      HandRule("SAMPLE.GETTYPE.OOM", "GetMediaType cannot allocate", Status::kNotApplicable, "", {},
               "the server has no allocation hook (DSALLOC_FAULT_HOOK not exported)"),
      HandRule("NOTIFY.ONCE", "Exactly one NotifyRelease per release", Status::kPass, "cases",
               {0, 3}),
      HandRule("THREAD.SAFE", "Allocator methods are linearizable", Status::kPass, "parallel", {2}),
      HandRule("THREAD.NOLOSTWAKE", "No lost wake-up", Status::kFail, "parallel", {2},
               "@1 GetBuffer 0 still blocked after sample 0 went back"),
      HandRule("FACTORY.UNLOAD", "DllCanUnloadNow <with> \"quotes\" & 'ticks'", Status::kPass,
               "cases", {0}),
  };
  RuleVerdict& expected = report.rules[5];
  expected.expected_failure = true;
  expected.expected_reason = "quartz.dll bug: Decommit ignores outstanding samples";
  expected.unexpected = false;
  return report;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  if (!file) std::cerr << "conform_report_sample: cannot write " << path << "\n";
  return static_cast<bool>(file);
}

}  // namespace
}  // namespace dsalloc::conform

int main(int argc, char** argv) {
  using namespace dsalloc::conform;
  const Report report = SampleReport();
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "conform_report_sample: " << flag << " needs a file\n";
      return 2;
    }
    const std::string path = argv[i + 1];
    std::string text;
    if (flag == "--text") {
      text = TextTable(report);
    } else if (flag == "--junit") {
      text = JunitXml(report);
    } else if (flag == "--json") {
      text = Json(report);
    } else if (flag == "--html") {
      text = Html(report);
    } else {
      std::cerr << "usage: conform_report_sample [--text F] [--junit F] [--json F] [--html F]\n";
      return 2;
    }
    if (!WriteFile(path, text)) return 2;
  }
  return 0;
}
