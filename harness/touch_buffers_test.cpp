// harness/touch_buffers_test.cpp: Driver::Options::touch_buffers and the
// ASan report hook (memory_errors.h).
//
// The touch itself is seen on the embedded dsalloc: after each op every
// byte of a held buffer carries the driver's pattern, and nothing fails. Its
// point is seen on kBufferFreedAtDecommit, which frees the buffers of the
// samples a Decommit leaves outstanding: in an ASan build the driver's own
// access after that Decommit is a heap-use-after-free, and the hook hands
// the report's text to the checker before the process dies. Those two tests
// need ASan (the asan preset) and are skipped elsewhere.

#include "driver.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "implementation.h"
#include "memory_errors.h"
#include "spec/model/op.h"
#include "spec/model/trace.h"
#include "test_variants.h"

namespace dsalloc::harness {
namespace {

constexpr std::string_view kDecommitWithSampleOut = R"(
  SetProperties 2 64 8 0
  Commit
  GetBuffer
  Decommit
  GetFreeCount
)";

Driver::Options Touching() {
  Driver::Options o;
  o.hang_timeout = std::chrono::milliseconds(2000);
  o.settle = std::chrono::milliseconds(20);
  o.lock_probe_timeout = std::chrono::milliseconds(500);
  o.touch_buffers = true;
  return o;
}

void RunOps(Driver& driver, std::string_view text) {
  int bad = 0;
  std::optional<std::vector<spec::Op>> ops = spec::ParseOps(text, &bad);
  ASSERT_TRUE(ops.has_value()) << "bad trace line " << bad;
  for (const spec::Op& op : *ops) driver.Run(op);
}

// The death tests' child re-runs the binary rather than forking a process
// with the driver's threads in it.
class TouchBuffersDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    if (!MemoryErrorReportsAvailable()) GTEST_SKIP() << "needs an ASan build (asan preset)";
  }
};

// checks: LIFE.FREEMEM, LIFE.SAMPLEALIVE
TEST(TouchBuffersTest, EmbeddedBuffersAreTouchedAndSurvive) {
  Driver driver(Embedded(), Touching());
  ASSERT_TRUE(driver.ok());
  RunOps(driver, kDecommitWithSampleOut);
  // The held sample (observed id 0) carries the pattern of the last touch.
  IMediaSample* sample = driver.SamplePointer(0);
  ASSERT_NE(sample, nullptr);
  ASSERT_EQ(driver.ClientSampleRefs(0), 1u);
  BYTE* p = nullptr;
  ASSERT_EQ(sample->GetPointer(&p), S_OK);
  ASSERT_EQ(sample->GetSize(), 64);
  for (int i = 0; i < 64; ++i) ASSERT_EQ(p[i], static_cast<BYTE>(0xA5 + i)) << "byte " << i;
  driver.Teardown(true);
  std::vector<Violation> vs = driver.TakeViolations();
  EXPECT_TRUE(vs.empty()) << vs.front().rule << ": " << vs.front().detail;
}

// checks: LIFE.FREEMEM
TEST(TouchBuffersTest, OffTouchesNothing) {
  Driver::Options options = Touching();
  options.touch_buffers = false;
  Driver driver(Embedded(), options);
  ASSERT_TRUE(driver.ok());
  RunOps(driver, kDecommitWithSampleOut);
  BYTE* p = nullptr;
  ASSERT_EQ(driver.SamplePointer(0)->GetPointer(&p), S_OK);
  for (int i = 0; i < 64; ++i) ASSERT_EQ(p[i], 0) << "byte " << i;  // as Commit left it
  driver.Teardown(true);
}

// checks: LIFE.FREEMEM
TEST_F(TouchBuffersDeathTest, FreedAtDecommitIsAHeapUseAfterFree) {
  auto impl = LoadVariant("kBufferFreedAtDecommit");
  if (!impl) return;
  EXPECT_DEATH(
      {
        Driver driver(*impl, Touching());
        RunOps(driver, kDecommitWithSampleOut);
      },
      "heap-use-after-free");
}

// checks: LIFE.FREEMEM
TEST_F(TouchBuffersDeathTest, ReporterReceivesTheReport) {
  auto impl = LoadVariant("kBufferFreedAtDecommit");
  if (!impl) return;
  EXPECT_DEATH(
      {
        InstallMemoryErrorReporter([](const char* report) {
          const bool uaf = std::strstr(report, "heap-use-after-free") != nullptr;
          std::fprintf(stderr, "\nreporter: %s\n", uaf ? "saw heap-use-after-free" : "other");
        });
        Driver driver(*impl, Touching());
        RunOps(driver, kDecommitWithSampleOut);
      },
      "reporter: saw heap-use-after-free");
}

// checks: LIFE.FREEMEM
TEST_F(TouchBuffersDeathTest, EmbeddedDoesNotDie) {
  Driver driver(Embedded(), Touching());
  ASSERT_TRUE(driver.ok());
  RunOps(driver, kDecommitWithSampleOut);
  driver.Teardown(true);
  EXPECT_TRUE(driver.TakeViolations().empty());
}

}  // namespace
}  // namespace dsalloc::harness
