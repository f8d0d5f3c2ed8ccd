// conform/child.cpp: the child half of the kit (kit.h): load, run one
// check, write its record.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "checks.h"
#include "child_process.h"
#include "harness/implementation.h"
#include "kit.h"
#include "platform.h"
#include "progress.h"
#include "record.h"
#include "soak.h"
#include "verdict.h"

namespace dsalloc::conform {
namespace {

// "a:b:c" -> {"a", "b", "c"}; the last field keeps any further ':'.
std::vector<std::string> Fields(const std::string& text, size_t count) {
  std::vector<std::string> fields;
  size_t at = 0;
  while (fields.size() + 1 < count) {
    size_t colon = text.find(':', at);
    if (colon == std::string::npos) break;
    fields.push_back(text.substr(at, colon - at));
    at = colon + 1;
  }
  fields.push_back(text.substr(at));
  return fields;
}

CheckResult RunSoakCheck(const harness::Implementation& impl, const Options& options) {
  SoakOptions soak;
  soak.cycles = options.soak_cycles;
  soak.threads = options.soak_threads;
  soak.seed = options.seed;
  soak.portable = options.profile == "portable";
  soak.progress = [](long long done, long long) { ReportProgress(done); };
  SoakReport report = RunSoak(impl, soak);
  CheckResult r;
  r.phase = Phase::kSoak;
  r.name = "soak";
  // What the soak counts exactly (SPEC.md).
  r.rules = {"NOTIFY.ONCE",     "COM.CALLBACK.REFS", "ALLOC.BOUND",         "GEN.NOLEAK",
             "GEN.NOHANG",      "THREAD.NOLOSTWAKE", "ALLOC.DECOMMIT.WAKE", "THREAD.SAFE",
             "NOTIFY.SNAPSHOT", "ALLOC.SETNOTIFY.1"};
  if (!report.notify_checked) {
    // No IMemAllocatorCallbackTemp (Wine): the soak showed nothing about
    // callbacks (verdict.h reports those rules n/a).
    std::erase_if(r.rules, NeedsCallbackInterface);
  }
  r.work = report.cycles_done;
  r.seconds = report.seconds;
  r.detail = report.summary;
  if (!report.passed) {
    r.status = Status::kFail;
    if (!report.failures.empty()) {
      r.divergence.rule = report.failures.front().first;
      r.divergence.observed = report.failures.front().second;
      r.divergence.expected = "exact counts after sustained traffic";
    }
    for (const auto& [rule, message] : report.failures) {
      r.detail += "\n" + rule + ": " + message;
    }
  }
  return r;
}

// The kit's own check of its limits (kit.cpp): the embedded dsalloc
// through a little of every phase's machinery, under the memory limit.
CheckResult Preflight(const Options& options) {
  harness::Implementation embedded = harness::Embedded();
  CheckResult r =
      ExploreSequential(embedded, spec::Profile::kStrict, 1, 10, options.result + ".current");
  if (r.status == Status::kPass) {
    r = ExploreParallel(embedded, spec::Profile::kStrict, 1, 3, options.result + ".current");
  }
  if (r.status == Status::kPass) {
    SoakOptions soak;
    soak.cycles = 2000;
    soak.threads = options.soak_threads;
    soak.seed = 1;
    if (!RunSoak(embedded, soak).passed) r.status = Status::kFail;
  }
  // Under a sanitizer the limit is its hard_rss_limit_mb, checked by a
  // background thread now and then: a short run may end before it looks.
  // The peak resident set says it for certain.
  if (PeakMemoryMb() > options.memory_limit_mb) {
    r.status = Status::kFail;
  }
  r.name = "preflight";
  return r;
}

}  // namespace

int RunChild(const Options& options) {
  ApplyMemoryLimit(options.memory_limit_mb);
  if (options.child == "preflight") {
    CheckResult r = Preflight(options);
    return WriteFile(options.result, Encode({r})) ? 0 : 2;
  }
  harness::Implementation impl = harness::Embedded();
  if (!options.server.empty()) {
    std::string error;
    std::optional<harness::Implementation> loaded =
#if defined(_WIN32)
        options.server == harness::kSystemServer && !options.clsid.empty()
            ? harness::LoadSystem(*harness::ParseGuid(options.clsid), &error)
            :
#endif
            harness::Load(options.server, &error);
    if (!loaded) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return kChildCannotLoad;
    }
    impl = *loaded;
  }
  if (!options.clsid.empty()) impl.clsid = *harness::ParseGuid(options.clsid);
  spec::Profile profile =
      options.profile == "portable" ? spec::Profile::kPortable : spec::Profile::kStrict;

  const std::string& child = options.child;
  std::string progress = options.result + ".current";
  OpenProgress(options.result + ".progress");
  CheckResult result;
  if (child == "probe") {
    result = Probe(impl);
  } else if (child.rfind("case:", 0) == 0) {
    const CaseInfo* c = FindCase(child.substr(5));
    if (c == nullptr) {
      std::fprintf(stderr, "no case %s\n", child.c_str() + 5);
      return 2;
    }
    result = RunCase(*c, impl, profile);
  } else if (child.rfind("replay:", 0) == 0) {
    // replay:REPEATS:PHASE:NAME:FILE
    std::vector<std::string> f = Fields(child.substr(7), 4);
    std::string text;
    if (f.size() != 4 || !ReadFile(f[3], &text)) {
      std::fprintf(stderr, "bad replay request %s\n", child.c_str());
      return 2;
    }
    result = RunTrace(f[2], text, {}, std::atoi(f[0].c_str()), impl, profile);
    result.phase = static_cast<Phase>(std::atoi(f[1].c_str()));
  } else if (child.rfind("sequential:", 0) == 0 || child.rfind("parallel:", 0) == 0) {
    bool sequential = child[0] == 's';
    std::vector<std::string> f = Fields(child.substr(child.find(':') + 1), 2);
    uint64_t seed = std::strtoull(f[0].c_str(), nullptr, 10);
    int runs = f.size() > 1 ? std::atoi(f[1].c_str()) : 1;
    result = sequential ? ExploreSequential(impl, profile, seed, runs, progress)
                        : ExploreParallel(impl, profile, seed, runs, progress);
  } else if (child == "soak") {
    result = RunSoakCheck(impl, options);
  } else {
    std::fprintf(stderr, "unknown child request %s\n", child.c_str());
    return 2;
  }
  if (!WriteFile(options.result, Encode({result}))) {
    std::fprintf(stderr, "cannot write %s\n", options.result.c_str());
    return 2;
  }
  return 0;
}

}  // namespace dsalloc::conform
