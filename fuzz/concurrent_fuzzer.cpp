// fuzz/concurrent_fuzzer.cpp: the concurrent fuzz target.
//
// Target functions: IMemAllocator::GetBuffer / ReleaseBuffer / Commit /
// Decommit, IMemAllocatorCallbackTemp::SetNotify / GetFreeCount and the
// IMediaSample methods of "an implementation" (fuzz_env.h), called from 2-3
// threads at once.
//
// The input decodes into a parallel case and a schedule seed
// (concurrent_input.h), which the parallel runner
// (harness/parallel/parallel_runner.h) runs once on a fresh allocator: the
// prefix in lockstep with the model, then the thread lists released
// together, every call stamped on one clock. A finding is anything the
// runner rejects: a history no order the model allows explains
// (linearizability, with the callbacks' notification and reference counts
// and the client's sample references after the join as the quiescent
// state), a divergence in the prefix, a thread blocked past the hang bound
// (GEN.NOHANG: a finding, not a libFuzzer timeout), and anything left
// behind at teardown. A search that gives up is not a finding.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "concurrent_input.h"
#include "fuzz_env.h"
#include "harness/parallel/parallel_runner.h"

// checks: THREAD.SAFE, THREAD.NOLOSTWAKE, NOTIFY.ONCE, ALLOC.BOUND, GEN.NOHANG
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dsalloc;
  fuzz::ConcurrentInput in = fuzz::DecodeConcurrent(data, size);
  props::parallel::RunOptions options;
  options.profile = fuzz::SelectedProfile();
  options.repeats = 1;
  options.schedule_seed = in.schedule_seed;
  options.driver = fuzz::DriverOptions();
  props::parallel::RunResult r =
      props::parallel::RunParallelCase(fuzz::SelectedImplementation(), in.c, options);
  if (r.failed) {
    std::vector<spec::Op> ops = in.c.prefix;
    for (size_t t = 0; t < in.c.threads.size(); ++t) {
      for (spec::Op op : in.c.threads[t]) {
        op.thread = static_cast<uint8_t>(t + 1);
        ops.push_back(op);
      }
    }
    fuzz::Finding("concurrent", r.report + "\n", spec::TraceOf(ops), /*parallel=*/true);
  }
  return 0;
}
