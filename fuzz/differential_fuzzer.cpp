// fuzz/differential_fuzzer.cpp: the differential fuzz target.
//
// Target functions: every IMemAllocator, IMemAllocatorCallbackTemp,
// IMediaSample, IMediaSample2 and IClassFactory method, and the server's
// DllGetClassObject / DllCanUnloadNow, of "an implementation"
// (fuzz_env.h: DSALLOC_IMPL, DSALLOC_PROFILE).
//
// The input decodes into ops (fuzz_input.h: every input is valid, one
// record per op), which run on the executable model and on the
// implementation in lockstep (harness::Lockstep). The first divergence in a
// result, an out-parameter, a free count, a reference count or a
// notification count, any driver violation (a callout under the lock, a
// call on a released callback, a hang), and a leak or busy server at
// teardown is a finding: printed with its rule and the input as a trace,
// then abort().

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_env.h"
#include "fuzz_input.h"
#include "lockstep.h"

namespace {

// Longer inputs are cut: the work per input stays bounded (libFuzzer's
// -max_len is the usual limit; this one protects replays of any file).
constexpr size_t kMaxOps = 512;
// Repeat blocks (op.h) multiply the work: their N is cut, in input order,
// so that the ops actually run stay within this many: enough for a bug
// that shows after a thousand get/release cycles, few enough that a
// mutation to a large N does not cost the fuzzer its throughput.
constexpr size_t kMaxRunOps = 2500;

using dsalloc::spec::Op;
using dsalloc::spec::OpGroup;
using dsalloc::spec::OpKind;

void CapRepeats(std::vector<Op>& ops) {
  struct Block {
    size_t at;      // index of its "Repeat"
    size_t length;  // API ops in it
  };
  std::vector<Block> blocks;
  size_t once = 0;  // ops run if every block ran once
  int depth = 0;    // 0: outside a block; > 1: inside an ignored inner one
  for (size_t i = 0; i < ops.size(); ++i) {
    if (dsalloc::spec::GroupOf(ops[i].kind) != OpGroup::kControl) {
      ++once;
      if (depth > 0) ++blocks.back().length;
    } else if (ops[i].kind == OpKind::kRepeat) {
      if (depth++ == 0) blocks.push_back({i, 0});
    } else if (depth > 0) {
      --depth;
    }
  }
  size_t left = kMaxRunOps > once ? kMaxRunOps - once : 0;
  for (const Block& b : blocks) {
    Op& repeat = ops[b.at];
    size_t extra = b.length == 0 ? 0 : left / b.length;  // rounds beyond the first
    size_t rounds = std::min<size_t>(static_cast<size_t>(repeat.value), 1 + extra);
    if (b.length > 0) repeat.value = static_cast<int32_t>(rounds);
    left -= (rounds - 1) * b.length;
  }
}

}  // namespace

// checks: NOTIFY.ONCE, COM.CALLBACK.REFS, ALLOC.FREECOUNT, THREAD.NOLOCK, LIFE.DESTROY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dsalloc;
  std::vector<Op> ops = fuzz::Decode(data, size);
  if (ops.size() > kMaxOps) ops.resize(kMaxOps);
  CapRepeats(ops);
  harness::Lockstep lockstep(fuzz::SelectedImplementation(), fuzz::SelectedProfile(),
                             fuzz::DriverOptions());
  std::string report;
  size_t ran = 0;
  while (ran < ops.size() && report.empty()) report = lockstep.Apply(ops[ran++]);
  if (report.empty()) report = lockstep.Finish();
  if (!report.empty()) {
    ops.resize(ran);
    fuzz::Finding("differential", report, ops);
  }
  return 0;
}
