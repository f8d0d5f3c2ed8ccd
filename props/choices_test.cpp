// props/choices_test.cpp: SeededChoices keeps its promise (choices.h): the
// raw stream is SplitMix64's, sized draws scale as RapidCheck's do, weights
// of zero are never picked, and a seed means the same ops on every platform
// and compiler. The golden hashes below were taken on Linux (g++ 12); a
// build whose generators draw in another order, or whose source differs,
// fails here rather than silently changing what `dsalloc-conform --seed N`
// runs. A deliberate change to a generator updates them (and says so).

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "choices.h"
#include "op_gen.h"
#include "parallel_gen.h"
#include "spec/model/op.h"
#include "spec/model/step.h"

namespace dsalloc::props {
namespace {

// FNV-1a, 64 bits: a portable digest of a trace text.
uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 0xCBF29CE484222325u;
  for (char ch : text) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001B3u;
  }
  return h;
}

TEST(SeededChoices, StreamIsSplitMix64) {
  // The reference outputs of SplitMix64 from state 0 (Vigna's splitmix64.c).
  SeededChoices c(0);
  EXPECT_EQ(c.Next(), 0xE220A8397B1DCDAFu);
  EXPECT_EQ(c.Next(), 0x6E789E6AA1B965F4u);
  EXPECT_EQ(c.Next(), 0x06C45D188009454Fu);
}

TEST(SeededChoices, SizedRangesScaleAsRapidCheck) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SeededChoices at0(seed, 0), at50(seed, 50), at100(seed, 100), above(seed, 500);
    EXPECT_EQ(at0.InRange(3, 9), 3);
    // round(19 * 50 / 100) = 10: 0..10 at size 50.
    EXPECT_LE(at50.InRange(0, 19), 10);
    EXPECT_LE(at100.InRange(-5, 5), 5);
    EXPECT_LE(above.InRange(-5, 5), 5);
  }
  SeededChoices c(7, 50);
  std::vector<int> seen(20, 0);
  for (int i = 0; i < 4000; ++i) ++seen[static_cast<size_t>(c.InRange(0, 19))];
  for (int v = 0; v <= 10; ++v) EXPECT_GT(seen[static_cast<size_t>(v)], 200) << v;
  for (int v = 11; v < 20; ++v) EXPECT_EQ(seen[static_cast<size_t>(v)], 0) << v;
}

TEST(SeededChoices, WholeRangesIgnoreTheSize) {
  SeededChoices c(11, 0);
  std::vector<int> seen(4, 0);
  for (int i = 0; i < 4000; ++i) ++seen[c.Element<size_t>({0, 1, 2, 3})];
  for (int n : seen) EXPECT_GT(n, 800);
}

TEST(SeededChoices, ZeroWeightsAreNeverPicked) {
  SeededChoices c(3);
  std::vector<int> seen(5, 0);
  for (int i = 0; i < 6000; ++i) ++seen[c.Pick({0, 2, 0, 1, 0})];
  EXPECT_EQ(seen[0] + seen[2] + seen[4], 0);
  EXPECT_GT(seen[1], 3600);
  EXPECT_GT(seen[3], 1600);
  EXPECT_THROW(c.Pick({0, 0}), std::invalid_argument);
}

// The kit's sequential draw (conform/checks.cpp, ExploreSequential): ops the
// strict model steers, at size 50.
std::string SequentialTrace(uint64_t seed) {
  SeededChoices c(seed, 50);
  spec::State model = spec::Initial();
  std::string text;
  for (int k = 0; k < 400; ++k) {
    spec::Op op = DrawOp(c, model);
    if (!spec::InDomain(model, op, spec::Profile::kStrict)) continue;
    if (spec::MayBlockThread0(op) && model.state == spec::AllocState::kCommitted &&
        model.free_list.empty()) {
      continue;
    }
    spec::StepStrict(model, op);
    text += spec::ToString(op) + "\n";
  }
  return text;
}

std::string ParallelTrace(uint64_t seed) {
  SeededChoices c(seed, 30);
  parallel::ParallelCase pc = parallel::DrawParallelCase(c);
  std::string text;
  for (const spec::Op& op : pc.prefix) text += spec::ToString(op) + "\n";
  for (size_t t = 0; t < pc.threads.size(); ++t) {
    for (const spec::Op& op : pc.threads[t]) {
      text += '@';
      text += std::to_string(t + 1);
      text += ' ';
      text += spec::ToString(op) + "\n";
    }
  }
  return text;
}

TEST(SeededChoices, SameSeedSameOps) {
  EXPECT_EQ(SequentialTrace(5), SequentialTrace(5));
  EXPECT_NE(SequentialTrace(5), SequentialTrace(6));
  EXPECT_EQ(ParallelTrace(5), ParallelTrace(5));
}

// The generator reaches every call of the vocabulary: a call added to
// spec::Call without its place in DrawOp (op_gen.cpp) fails here, so the
// properties and the kit's random phase cannot silently leave it out.
TEST(GenOp, DrawsEveryCall) {
  std::set<size_t> drawn;
  for (uint64_t seed = 1; seed <= 200 && drawn.size() < spec::kNumCalls; ++seed) {
    SeededChoices c(seed, 50);
    spec::State model = spec::Initial();
    for (int k = 0; k < 400; ++k) {
      spec::Op op = DrawOp(c, model);
      drawn.insert(op.call.index());
      if (!spec::InDomain(model, op, spec::Profile::kStrict)) continue;
      if (spec::MayBlockThread0(op) && model.state == spec::AllocState::kCommitted &&
          model.free_list.empty()) {
        continue;
      }
      spec::StepStrict(model, op);
    }
  }
  for (size_t i = 0; i < spec::kNumCalls; ++i) {
    EXPECT_TRUE(drawn.count(i) > 0) << spec::kCalls[i].name << " is never drawn by DrawOp";
  }
}

// The golden digests: seeds 1..20 of both phases, as one text each. The
// sequential ops hold sizeof(AM_SAMPLE2_PROPERTIES) (choices.h), which is
// the pointer width's: same draws, other numbers on a 32-bit target (the
// i686 digest was taken under Wine, mingw-w64 i686).
TEST(SeededChoices, GoldenOps) {
  const uint64_t sequential_golden = sizeof(void*) == 8 ? 0xa186367d6d9f5c03u : 0xc3a5d8886a5c69a7u;
  std::string sequential, parallel_cases;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    sequential += SequentialTrace(seed) + "--\n";
    parallel_cases += ParallelTrace(seed) + "--\n";
  }
  EXPECT_EQ(Fnv1a(sequential), sequential_golden) << "first seed's ops:\n" << SequentialTrace(1);
  EXPECT_EQ(Fnv1a(parallel_cases), 0xb0febf77d8f4231bu) << "first seed's case:\n"
                                                        << ParallelTrace(1);
}

}  // namespace
}  // namespace dsalloc::props
