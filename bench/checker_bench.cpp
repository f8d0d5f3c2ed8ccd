// The checkers' own speed: how fast the executable model steps (it must stay
// well under a microsecond a step, for the three ways a checker calls it),
// and how many sequential property cases per second the strict lockstep
// property runs against the selected implementation (props/
// sequential_props.cpp, rebuilt here from the same pieces: GenOp, InDomain,
// harness::Lockstep). Fuzz execs/s will join when fuzz/ has targets; the
// conformance kit's wall time is a whole process, timed by bench/run.

#include <cstdlib>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include "bench_impl.h"
#include "benchmarks.h"
#include "harness/lockstep.h"
#include "props/op_gen.h"
#include "spec/model/op.h"
#include "spec/model/step.h"

namespace dsalloc::bench {
namespace {

using spec::Op;
using spec::State;

// A typical cycle: get, touch, release (with a callback), plus queries.
std::vector<Op> ModelCycle() {
  std::vector<Op> cycle;
  for (const char* line :
       {"GetBuffer", "sample 1 SetTime 100 200", "sample 1 SetActualDataLength 10",
        "sample 1 GetTime * *", "GetFreeCount", "sample 1 Release", "GetBuffer nowait",
        "sample 1 IsSyncPoint", "sample 1 Release"}) {
    cycle.push_back(*spec::ParseOp(line));
  }
  return cycle;
}

State ModelStart() {
  State start = spec::Initial();
  for (const char* line : {"SetProperties 2 64 1 0", "Commit", "SetNotify 0"}) {
    spec::StepStrict(start, *spec::ParseOp(line));
  }
  return start;
}

enum class StepKind { kInPlace, kStrict, kPortable };

void ModelStep(benchmark::State& state, StepKind kind) {
  const std::vector<Op> cycle = ModelCycle();
  const State start = ModelStart();
  State s = start;
  for (auto _ : state) {
    for (const Op& op : cycle) {
      switch (kind) {
        case StepKind::kInPlace:
          if (spec::StepStrict(s, op).hr == E_UNEXPECTED) std::abort();
          break;
        case StepKind::kStrict:
          s = std::move(spec::Step(s, op, spec::Profile::kStrict)[0].next);
          break;
        case StepKind::kPortable:
          s = std::move(spec::Step(s, op, spec::Profile::kPortable)[0].next);
          break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(cycle.size()));
}

// The strict sequential property's command: one generated op, run on the
// model and the implementation in lockstep.
struct Sut {
  Sut() : lockstep(SelectedImpl(), spec::Profile::kStrict, Options()) {}
  // The driver options of props/props_options.cpp's DriverOptions().
  static harness::Driver::Options Options() {
    harness::Driver::Options options;
    options.hang_timeout = std::chrono::milliseconds(2000);
    options.lock_probe_timeout = std::chrono::milliseconds(500);
    options.settle = std::chrono::milliseconds(20);
    return options;
  }
  harness::Lockstep lockstep;
};

struct OpCommand : rc::state::Command<State, Sut> {
  Op op;
  explicit OpCommand(const State& s) : op(*props::GenOp(s)) {
    if (!SelectedImpl().SupportsFaultInjection()) op.oom = false;
  }
  void checkPreconditions(const State& s) const override {
    RC_PRE(spec::InDomain(s, op, spec::Profile::kStrict));
    if (spec::MayBlockThread0(op)) {
      RC_PRE(s.state != spec::AllocState::kCommitted || !s.free_list.empty());
    }
  }
  void apply(State& s) const override { spec::StepStrict(s, op); }
  void run(const State&, Sut& sut) const override {
    std::string report = sut.lockstep.Apply(op);
    if (!report.empty()) RC_FAIL(report);
  }
  void show(std::ostream& os) const override { os << spec::ToString(op); }
};

void SequentialPropertyCases(benchmark::State& state) {
  constexpr int kCases = 20;
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = kCases;
  params.disableShrinking = true;
  int64_t cases = 0;
  for (auto _ : state) {
    rc::detail::TestMetadata metadata{"bench", "bench"};
    rc::detail::TestResult result = rc::detail::checkTestable(
        [] {
          Sut sut;
          rc::state::check(spec::Initial(), sut, rc::state::gen::execOneOfWithArgs<OpCommand>());
          std::string report = sut.lockstep.Finish();
          if (!report.empty()) RC_FAIL(report);
        },
        metadata, params);
    if (!result.is<rc::detail::SuccessResult>()) {
      state.SkipWithError("the sequential property failed: not a conforming implementation");
      return;
    }
    cases += result.get<rc::detail::SuccessResult>().numSuccess;
  }
  state.SetItemsProcessed(cases);
}

}  // namespace

void RegisterCheckerBenchmarks() {
  benchmark::RegisterBenchmark("model_step_in_place/dsalloc", ModelStep, StepKind::kInPlace);
  benchmark::RegisterBenchmark("model_step_strict/dsalloc", ModelStep, StepKind::kStrict);
  benchmark::RegisterBenchmark("model_step_portable/dsalloc", ModelStep, StepKind::kPortable);
  benchmark::RegisterBenchmark("props_sequential_strict/dsalloc", SequentialPropertyCases)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace dsalloc::bench
