// props/sequential_props.cpp: stateful properties (rc::state) that run
// random op sequences on the model and on an implementation in lockstep.
//
// The rc::state model is the strict spec::State: it steers generation
// (GenOp) and preconditions (spec::InDomain). The judging is done by
// harness::Lockstep under the profile the binary was started with, so a
// portable run may skip ops its own model rules out (a shrunk sequence
// always stays runnable).

#include <ostream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <rapidcheck/state.h>

#include "harness/lockstep.h"
#include "op_gen.h"
#include "property_check.h"
#include "props_options.h"
#include "spec/model/step.h"

namespace dsalloc::props {
namespace {

// The system under test: the Lockstep plus the trace it has run, printed
// with every failure so tools/replay can run it again.
struct Sut {
  explicit Sut(spec::Profile profile) : lockstep(harness::Selected(), profile, DriverOptions()) {}
  harness::Lockstep lockstep;
  std::vector<spec::Op> trace;
};

std::string TraceText(const std::vector<spec::Op>& ops) {
  std::string out;
  for (const spec::Op& op : ops) out += spec::ToString(op) + "\n";
  return out;
}

[[noreturn]] void FailWithTrace(const Sut& sut, const std::string& report) {
  LastFailureLength() = static_cast<int>(sut.trace.size());
  std::string text = report + "trace (dsalloc-replay format):\n" + TraceText(sut.trace);
  WriteFailureTrace(sut.trace, report);
  RC_FAIL(text);
}

struct OpCommand : rc::state::Command<spec::State, Sut> {
  spec::Op op;

  explicit OpCommand(const spec::State& s) : op(*GenOp(s)) {
    // Without the fault-injection hook the Lockstep would skip the op while
    // this model applied it, and the two would drift apart.
    if (!harness::Selected().SupportsFaultInjection()) op.oom = false;
  }

  void checkPreconditions(const spec::State& s) const override {
    RC_PRE(spec::InDomain(s, op, spec::Profile::kStrict));
    // A blocking GetBuffer on thread 0 would block the checker itself.
    if (spec::MayBlockThread0(op)) {
      RC_PRE(s.state != spec::AllocState::kCommitted || !s.free_list.empty());
    }
  }

  void apply(spec::State& s) const override { spec::StepStrict(s, op); }

  void run(const spec::State&, Sut& sut) const override {
    sut.trace.push_back(op);
    std::string report = sut.lockstep.Apply(op);
    if (!report.empty()) FailWithTrace(sut, report);
  }

  void show(std::ostream& os) const override { os << spec::ToString(op); }
};

void RunSequential(spec::Profile profile) {
  Sut sut(profile);
  rc::state::check(spec::Initial(), sut, rc::state::gen::execOneOfWithArgs<OpCommand>());
  // GEN.NOLEAK / LIFE.DESTROY: the world ends with every object gone.
  std::string report = sut.lockstep.Finish();
  if (!report.empty()) FailWithTrace(sut, report);
  RC_TAG(sut.lockstep.applied() > 40 ? "long" : "short");
}

// Random sequences in lockstep with the model judge every rule the model
// states; these are the ones only long, mixed sequences reach.
// checks: GEN.ATOMIC, GEN.BADINPUT, ALLOC.STATE, NOTIFY.REENTRANT,
// checks: ALLOC.RELEASEBUFFER.MISUSE, SAMPLE.RECYCLE.1
TEST(Sequential, MatchesModelStrict) {
  if (SelectedProfile() == spec::Profile::kPortable) {
    GTEST_SKIP() << "--profile=portable: the strict profile does not apply";
  }
  CheckProperty(1000, [] { RunSequential(spec::Profile::kStrict); });
}

// Every implementation, ours included, must satisfy the portable profile.
// checks: ALLOC.COMMIT.FAIL, ALLOC.FREELIST.ORDER
TEST(Sequential, MatchesModelPortable) {
  CheckProperty(300, [] { RunSequential(spec::Profile::kPortable); });
}

}  // namespace
}  // namespace dsalloc::props
