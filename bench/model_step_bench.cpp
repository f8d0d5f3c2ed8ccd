// How long one step of the executable model takes (it must stay "well under a
// microsecond"), for the three ways a checker can call it. A measurement,
// not a test: run build/<preset>/bench/dsalloc_model_step_bench.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "model/op.h"
#include "model/step.h"

namespace {

using namespace dsalloc::spec;

template <typename Body>
double NanosecondsPerOp(int rounds, size_t ops_per_round, Body body) {
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) body();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() /
         (double(rounds) * double(ops_per_round));
}

}  // namespace

int main() {
  // A typical cycle: get, touch, release (with a callback), plus queries.
  std::vector<Op> cycle;
  for (const char* line :
       {"GetBuffer", "sample 1 SetTime 100 200", "sample 1 SetActualDataLength 10",
        "sample 1 GetTime * *", "GetFreeCount", "sample 1 Release", "GetBuffer nowait",
        "sample 1 IsSyncPoint", "sample 1 Release"}) {
    cycle.push_back(*ParseOp(line));
  }
  State start = Initial();
  for (const char* line : {"SetProperties 2 64 1 0", "Commit", "SetNotify 0"}) {
    StepStrict(start, *ParseOp(line));
  }

  State s = start;
  const double inplace = NanosecondsPerOp(200000, cycle.size(), [&] {
    for (const Op& op : cycle) {
      if (StepStrict(s, op).hr == E_UNEXPECTED) std::abort();
    }
  });
  s = start;
  const double strict = NanosecondsPerOp(50000, cycle.size(), [&] {
    for (const Op& op : cycle) s = std::move(Step(s, op, Profile::kStrict)[0].next);
  });
  s = start;
  const double portable = NanosecondsPerOp(20000, cycle.size(), [&] {
    for (const Op& op : cycle) s = std::move(Step(s, op, Profile::kPortable)[0].next);
  });
  std::printf(
      "model step: StepStrict in place %.1f ns/op; Step(strict) %.1f ns/op; "
      "Step(portable) %.1f ns/op\n",
      inplace, strict, portable);
  return 0;
}
