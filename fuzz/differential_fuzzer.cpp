// fuzz/differential_fuzzer.cpp: the differential fuzz target.
//
// Target functions: every IMemAllocator, IMemAllocatorCallbackTemp,
// IMediaSample, IMediaSample2 and IClassFactory method, and the server's
// DllGetClassObject / DllCanUnloadNow, of "an implementation"
// (fuzz_env.h: DSALLOC_IMPL, DSALLOC_PROFILE).
//
// The input decodes into ops (fuzz_input.h: every input is valid, one
// record per op), which run on the executable model and on the
// implementation in lockstep (harness::RepeatRunner). The first divergence in a
// result, an out-parameter, a free count, a reference count or a
// notification count, any driver violation (a callout under the lock, a
// call on a released callback, a hang), and a leak or busy server at
// teardown is a finding: printed with its rule and the input as a trace,
// then abort().

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_env.h"
#include "fuzz_input.h"
#include "harness/repeat_runner.h"

// checks: NOTIFY.ONCE, COM.CALLBACK.REFS, ALLOC.FREECOUNT, THREAD.NOLOCK, LIFE.DESTROY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dsalloc;
  spec::Trace trace = fuzz::DecodeDifferential(data, size);
  harness::RepeatRunner lockstep(fuzz::SelectedImplementation(), fuzz::SelectedProfile(),
                                 fuzz::DriverOptions());
  std::string report;
  size_t ran = 0;
  while (ran < trace.size() && report.empty()) report = lockstep.Apply(trace[ran++]);
  if (report.empty()) report = lockstep.Finish();
  if (!report.empty()) {
    trace.resize(ran);
    fuzz::Finding("differential", report, trace);
  }
  return 0;
}
