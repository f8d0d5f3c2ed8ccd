// fuzz/repeat_replay_test.cpp: the RepeatRunner's replayed Repeat rounds
// (repeat_runner.h, CloseRepeat) give exactly the verdicts of stepping the
// model through every round.
//
// Every differential corpus and regression input with a Repeat block runs
// twice on a fresh allocator, replay on and off, against the embedded
// dsalloc and every broken variant (strict; not the two whose bug is a use
// of freed memory) and the base classes' control
// (portable): the reports, and the ops applied and skipped, must be the
// same. The variants are what makes this bite: they diverge inside
// replayed rounds (kLoseOneNotifyInThousand only in round 1000), where the
// replay must hand over to the model and report what it would have.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz_env.h"
#include "fuzz_input.h"
#include "harness/repeat_runner.h"

// The variants leak by design (kLeakedSelfRef, kPhantomWaiter, ...), and
// what this test compares is verdicts: LeakSanitizer's check at exit (the
// asan preset) is off for this binary only (its documented hook).
extern "C" int __lsan_is_turned_off() { return 1; }

namespace dsalloc::fuzz {
namespace {

struct Verdict {
  std::string report;
  int applied = 0;
  int skipped = 0;
  int replayed_rounds = 0;
};

Verdict RunInput(const harness::Implementation& impl, spec::Profile profile,
                 const spec::Trace& trace, bool replay) {
  harness::RepeatRunner lockstep(impl, profile, DriverOptions());
  lockstep.ReplayRepeatRounds(replay);
  Verdict v;
  for (const spec::TraceLine& line : trace) {
    v.report = lockstep.Apply(line);
    if (!v.report.empty()) break;
  }
  if (v.report.empty()) v.report = lockstep.Finish();
  v.applied = lockstep.lockstep().applied();
  v.skipped = lockstep.lockstep().skipped();
  v.replayed_rounds = lockstep.replayed_rounds();
  return v;
}

// `report` with every long number (an address: ALLOC.SAMPLE.LAYOUT names
// the misaligned one) replaced by "#".
std::string WithoutAddresses(const std::string& report) {
  std::string out;
  for (size_t i = 0; i < report.size();) {
    size_t j = i;
    while (j < report.size() && report[j] >= '0' && report[j] <= '9') ++j;
    if (j - i >= 8) {
      out += '#';
      i = j;
    } else if (j > i) {
      out.append(report, i, j - i);
      i = j;
    } else {
      out += report[i++];
    }
  }
  return out;
}

// The inputs whose decoded ops hold a Repeat block.
std::vector<std::pair<std::string, spec::Trace>> RepeatInputs() {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, spec::Trace>> inputs;
  for (const char* dir :
       {DSALLOC_FUZZ_DIR "/corpus/differential", DSALLOC_FUZZ_DIR "/regressions/differential"}) {
    std::vector<fs::path> files;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
      spec::Trace trace = DecodeDifferential(bytes.data(), bytes.size());
      // A GetBuffer that may block on a worker thread makes the run depend
      // on timing (the portable model may allow both outcomes), so two runs
      // of it need not agree, replay or not.
      auto may_block = [](const spec::TraceLine& line) {
        const auto* op = std::get_if<spec::Op>(&line);
        const auto* get = op != nullptr ? std::get_if<spec::call::GetBuffer>(&op->call) : nullptr;
        return get != nullptr && op->thread != 0 && !get->NoWait();
      };
      auto repeat = [](const spec::TraceLine& line) {
        return std::holds_alternative<spec::RepeatOpen>(line);
      };
      if (std::any_of(trace.begin(), trace.end(), repeat) &&
          std::none_of(trace.begin(), trace.end(), may_block)) {
        inputs.emplace_back(file.filename().string(), std::move(trace));
      }
    }
  }
  return inputs;
}

struct Subject {
  std::string name;  // "embedded", a variant, "control"
  std::string path;  // "" for the embedded dsalloc
  spec::Profile profile;
};

// The name, not the bytes: ctest lists each test with its parameter, and
// the bytes hold pointers, which change the listed name from run to run.
void PrintTo(const Subject& s, std::ostream* os) { *os << s.name; }

std::vector<Subject> Subjects() {
  std::vector<Subject> out{{"embedded", "", spec::Profile::kStrict}};
  std::string list = DSALLOC_TEST_VARIANTS;
  for (size_t at = 0; at < list.size();) {
    size_t end = std::min(list.find(',', at), list.size());
    std::string v = list.substr(at, end - at);
    // Their bug is a use of freed memory: the verdict may be a crash (or
    // a sanitizer's abort), not a report two runs could compare.
    const bool memory_error = v == "kFreeWithOutstanding" || v == "kBufferFreedAtDecommit";
    if (!v.empty() && !memory_error) {
      out.push_back(
          {v, DSALLOC_VARIANTS_DIR "/libdsalloc_variant_" + v + ".so", spec::Profile::kStrict});
    }
    at = end + 1;
  }
  out.push_back({"control", DSALLOC_CONTROL_PATH, spec::Profile::kPortable});
  return out;
}

class RepeatReplay : public testing::TestWithParam<Subject> {};

TEST_P(RepeatReplay, GivesTheVerdictsOfTheFullRun) {
  const Subject& s = GetParam();
  harness::Implementation impl = harness::Embedded();
  if (!s.path.empty()) {
    std::string error;
    std::optional<harness::Implementation> loaded = harness::Load(s.path, &error);
    ASSERT_TRUE(loaded.has_value()) << error;
    impl = *loaded;
  }
  std::vector<std::pair<std::string, spec::Trace>> inputs = RepeatInputs();
  ASSERT_GT(inputs.size(), 20u);  // the corpus keeps its Repeat seeds
  // A variant that leaks an object keeps the server busy for the runs
  // after it, which then do not judge DllCanUnloadNow: the one pair of runs
  // on either side of the first leak is not comparable.
  auto idle = [&impl] { return impl.can_unload_now == nullptr || impl.can_unload_now() == S_OK; };
  int diverged = 0;
  int not_comparable = 0;
  int replayed_rounds = 0;
  for (const auto& [name, ops] : inputs) {
    const bool idle_before_full = idle();
    Verdict full = RunInput(impl, s.profile, ops, /*replay=*/false);
    const bool idle_before_replayed = idle();
    Verdict replayed = RunInput(impl, s.profile, ops, /*replay=*/true);
    if (idle_before_full != idle_before_replayed) {
      ++not_comparable;
      continue;
    }
    EXPECT_EQ(WithoutAddresses(replayed.report), WithoutAddresses(full.report)) << name;
    EXPECT_EQ(replayed.applied, full.applied) << name;
    EXPECT_EQ(replayed.skipped, full.skipped) << name;
    if (!full.report.empty()) ++diverged;
    replayed_rounds += replayed.replayed_rounds;
  }
  EXPECT_LE(not_comparable, 1);
  // The correct ones pass every input; the thousand-cycle bug is caught
  // only in a replayed round, so the hand-over to the model is exercised.
  if (s.name == "embedded" || s.name == "control") {
    EXPECT_EQ(diverged, 0);
  }
  if (s.name == "kLoseOneNotifyInThousand") {
    EXPECT_GT(diverged, 0);
  }
  RecordProperty("inputs", static_cast<int>(inputs.size()));
  RecordProperty("diverged", diverged);
  RecordProperty("replayed_rounds", replayed_rounds);
  std::printf("%zu inputs with a Repeat, %d diverged, %d rounds replayed\n", inputs.size(),
              diverged, replayed_rounds);
}

INSTANTIATE_TEST_SUITE_P(Implementations, RepeatReplay, testing::ValuesIn(Subjects()),
                         [](const testing::TestParamInfo<Subject>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace dsalloc::fuzz
