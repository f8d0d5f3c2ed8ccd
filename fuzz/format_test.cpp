// fuzz/format_test.cpp: the fuzzers' byte formats (fuzz_input.h,
// concurrent_input.h) keep their promises: every byte string decodes, one
// record is one op (a byte changed changes one op), Encode inverts Decode,
// and a concurrent input carries its threads' schedule hints; a call
// without an encoding of its own gets one from its declaration
// (field_codec.h).

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "concurrent_input.h"
#include "fuzz/field_codec.h"
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

TEST(FuzzFormat, EveryByteStringDecodesToOneLinePerRecord) {
  std::minstd_rand rng(7);
  for (size_t n = 0; n < 300; ++n) {
    std::vector<uint8_t> bytes = RandomBytes(rng, n);
    EXPECT_EQ(Decode(bytes.data(), bytes.size()).size(), (n + kRecordSize - 1) / kRecordSize);
  }
}

TEST(FuzzFormat, AChangedByteChangesOneLine) {
  std::minstd_rand rng(11);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> bytes = RandomBytes(rng, 8 * kRecordSize);
    spec::Trace before = Decode(bytes.data(), bytes.size());
    size_t at = rng() % bytes.size();
    bytes[at] = static_cast<uint8_t>(bytes[at] ^ (1u + rng() % 255));
    spec::Trace after = Decode(bytes.data(), bytes.size());
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      if (i != at / kRecordSize) {
        EXPECT_TRUE(before[i] == after[i]) << "line " << i;
      }
    }
  }
}

TEST(FuzzFormat, EncodeInvertsDecode) {
  std::minstd_rand rng(13);
  int checked = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> bytes = RandomBytes(rng, 6 * kRecordSize);
    spec::Trace ops = Decode(bytes.data(), bytes.size());
    bool exact = true;
    std::vector<uint8_t> again = Encode(ops, &exact);
    if (!exact) continue;  // an op the format only approximates (fuzz_input.h)
    spec::Trace back = Decode(again.data(), again.size());
    ++checked;
    ASSERT_EQ(back.size(), ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      EXPECT_TRUE(back[i] == ops[i]) << spec::ToString(ops[i]) << " vs " << spec::ToString(back[i]);
    }
  }
  EXPECT_GT(checked, 20) << "too few exactly encodable inputs to say anything";
}

TEST(FuzzFormat, CanonicalSelectorsKeepTheOps) {
  std::minstd_rand rng(17);
  int changed = 0;
  for (int round = 0; round < 500; ++round) {
    std::vector<uint8_t> bytes = RandomBytes(rng, 6 * kRecordSize);
    const spec::Trace ops = Decode(bytes.data(), bytes.size());
    changed += static_cast<int>(CanonicalizeSelectors(bytes.data(), bytes.size()));
    const spec::Trace again = Decode(bytes.data(), bytes.size());
    ASSERT_EQ(again.size(), ops.size());
    for (size_t i = 0; i < ops.size(); ++i)
      EXPECT_TRUE(again[i] == ops[i]) << spec::ToString(ops[i]);
    EXPECT_EQ(CanonicalizeSelectors(bytes.data(), bytes.size()), 0u)
        << "canonical is a fixed point";
  }
  EXPECT_GT(changed, 100) << "random records should often be non-canonical";
}

// A call appended to spec::Call changes no canonical record, so the inputs
// kept in the repository must be canonical (dsalloc-fuzz-encode --canonical).
TEST(FuzzFormat, RepositoryInputsAreCanonical) {
  namespace fs = std::filesystem;
  int inputs = 0;
  for (const char* kind : {"differential", "concurrent"}) {
    for (const char* set : {"corpus", "regressions"}) {
      const fs::path dir = fs::path(DSALLOC_FUZZ_DIR) / set / kind;
      for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
        const size_t changed = std::string(kind) == "concurrent"
                                   ? CanonicalizeConcurrentSelectors(bytes.data(), bytes.size())
                                   : CanonicalizeSelectors(bytes.data(), bytes.size());
        EXPECT_EQ(changed, 0u) << e.path() << ": run dsalloc-fuzz-encode --canonical on it";
        ++inputs;
      }
    }
  }
  EXPECT_GT(inputs, 900);
}

// A call as a new one would be declared, with every field kind the derived
// encoding places: it needs no code in the codec to round-trip.
constexpr std::string_view kColours[] = {"red", "green", "blue"};
struct NewCall {
  int32_t count = 1;
  int8_t index = -1;
  int32_t wide_index = -1;
  uint8_t colour = 0;
  bool word = false;
  bool tail = false;
  bool out_null = false;
  DWORD flags = 0;
  bool null_time = false;
  REFERENCE_TIME time = 0;
  int32_t extra = 0;
  static bool HasExtra(const NewCall& c) { return c.colour == 2; }
  static constexpr auto Fields() {
    namespace f = spec::fields;
    return std::tuple{f::Num<&NewCall::count>{"", false, 1, 100},
                      f::Index<&NewCall::index>{"-", "", 5},
                      f::Index<&NewCall::wide_index>{"-", "w="},
                      f::Named<&NewCall::colour>{kColours},
                      f::Word<&NewCall::word>{"word"},
                      f::Bit<&NewCall::flags>{"one", 1},
                      f::RestBits<&NewCall::flags>{"flags=", 1},
                      f::OptNum<&NewCall::null_time, &NewCall::time>{},
                      f::NumIf<NewCall, &NewCall::extra>{&NewCall::HasExtra},
                      f::Literal{"{"},
                      f::Tail<&NewCall::tail>{"null"}};
  }
  friend bool operator==(const NewCall&, const NewCall&) = default;
};

TEST(FieldCodec, ANewCallRoundTripsThroughTheRecordItsFieldsImply) {
  static_assert(record::Fits<NewCall>());
  std::minstd_rand rng(5);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> bytes = RandomBytes(rng, kRecordSize);
    NewCall c;
    record::ReadFields(record::In(bytes.data()), c);
    // Every value decoded is in its declared range.
    EXPECT_GE(c.count, 1);
    EXPECT_LE(c.count, 100);
    EXPECT_GE(c.index, -1);
    EXPECT_LE(c.index, 5);
    EXPECT_GE(c.wide_index, -1);
    EXPECT_LT(c.colour, 3);
    if (c.null_time) {
      EXPECT_EQ(c.time, 0);
    }
    if (!NewCall::HasExtra(c)) {
      EXPECT_EQ(c.extra, 0);
    }
    // And the record the encoder writes for it decodes to it again.
    std::vector<uint8_t> again(kRecordSize);
    record::Out out{again.data(), nullptr};
    record::WriteFields(c, out);
    again[1] = out.bits;
    again[2] = out.s;
    again[3] = out.t;
    NewCall back;
    record::ReadFields(record::In(again.data()), back);
    EXPECT_TRUE(back == c) << "round " << round;
  }
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
