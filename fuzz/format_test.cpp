// fuzz/format_test.cpp: the fuzzers' byte formats (fuzz_input.h,
// concurrent_input.h) keep their promises: every byte string decodes, one
// record is one op (a byte changed changes one op), Encode inverts Decode,
// and a concurrent input carries its threads' schedule hints.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "concurrent_input.h"
#include "fuzz_input.h"
#include "spec/model/op.h"

namespace dsalloc::fuzz {
namespace {

namespace call = spec::call;
using props::parallel::ParallelCase;
using props::parallel::ScheduleHint;
using spec::Op;

std::vector<uint8_t> RandomBytes(std::minstd_rand& rng, size_t n) {
  std::vector<uint8_t> bytes(n);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

TEST(FuzzFormat, EveryByteStringDecodesToOneOpPerRecord) {
  std::minstd_rand rng(7);
  for (size_t n = 0; n < 300; ++n) {
    std::vector<uint8_t> bytes = RandomBytes(rng, n);
    EXPECT_EQ(Decode(bytes.data(), bytes.size()).size(), (n + kRecordSize - 1) / kRecordSize);
  }
}

TEST(FuzzFormat, AChangedByteChangesOneOp) {
  std::minstd_rand rng(11);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> bytes = RandomBytes(rng, 8 * kRecordSize);
    std::vector<Op> before = Decode(bytes.data(), bytes.size());
    size_t at = rng() % bytes.size();
    bytes[at] = static_cast<uint8_t>(bytes[at] ^ (1u + rng() % 255));
    std::vector<Op> after = Decode(bytes.data(), bytes.size());
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      if (i != at / kRecordSize) {
        EXPECT_TRUE(before[i] == after[i]) << "op " << i;
      }
    }
  }
}

TEST(FuzzFormat, EncodeInvertsDecode) {
  std::minstd_rand rng(13);
  int checked = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> bytes = RandomBytes(rng, 6 * kRecordSize);
    std::vector<Op> ops = Decode(bytes.data(), bytes.size());
    bool exact = true;
    std::vector<uint8_t> again = Encode(ops, &exact);
    if (!exact) continue;  // an op the format only approximates (fuzz_input.h)
    std::vector<Op> back = Decode(again.data(), again.size());
    ++checked;
    ASSERT_EQ(back.size(), ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      EXPECT_TRUE(back[i] == ops[i]) << spec::ToString(ops[i]) << " vs " << spec::ToString(back[i]);
    }
  }
  EXPECT_GT(checked, 20) << "too few exactly encodable inputs to say anything";
}

TEST(ConcurrentFormat, HintsSurviveTheRoundTrip) {
  ParallelCase c;
  c.prefix = {spec::MakeOp(call::SetProperties{2, 16, 1, 0, false, false}),
              spec::MakeOp(call::Commit{})};
  c.threads = {
      {spec::MakeOp(call::GetBuffer{false, false, 0}), spec::MakeOp(call::SampleRelease{0})},
      {spec::MakeOp(call::GetBuffer{false, false, AM_GBF_NOWAIT}),
       spec::MakeOp(call::GetFreeCount{false})}};
  c.hints = {{ScheduleHint::kYield, ScheduleHint::kLongSpin},
             {ScheduleHint::kNone, ScheduleHint::kShortSpin}};
  std::vector<uint8_t> bytes = EncodeConcurrent(c);
  ConcurrentInput in = DecodeConcurrent(bytes.data(), bytes.size());
  ASSERT_EQ(in.c.threads.size(), 2u);
  ASSERT_EQ(in.c.hints.size(), 2u);
  EXPECT_EQ(in.c.prefix.size(), 2u);
  for (size_t t = 0; t < 2; ++t) {
    ASSERT_EQ(in.c.threads[t].size(), 2u);
    ASSERT_EQ(in.c.hints[t].size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(spec::KindOf(in.c.threads[t][k].call), spec::KindOf(c.threads[t][k].call));
      EXPECT_EQ(in.c.hints[t][k], c.hints[t][k]) << "thread " << t << " op " << k;
    }
  }
}

TEST(ConcurrentFormat, AShortLastRecordHasNoHint) {
  // Head byte, then a record cut after its op selector: byte 1 (the hint
  // bits) is past the end and must not be read.
  std::vector<uint8_t> bytes = {0, 0};
  ConcurrentInput in = DecodeConcurrent(bytes.data(), bytes.size());
  for (const auto& hints : in.c.hints) {
    for (ScheduleHint h : hints) EXPECT_EQ(h, ScheduleHint::kNone);
  }
}

}  // namespace
}  // namespace dsalloc::fuzz
