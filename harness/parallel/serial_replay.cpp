// harness/parallel/serial_replay.cpp: single-threaded replays of a parallel
// case (serial_replay.h).

#include "parallel/serial_replay.h"

#include <algorithm>
#include <numeric>

#include "model/op.h"

namespace dsalloc::props::parallel {

ParallelCase Serialized(const ParallelCase& c, const std::vector<size_t>& order) {
  ParallelCase serial;
  serial.prefix = c.prefix;
  serial.threads.resize(1);
  std::vector<spec::Op>& list = serial.threads[0];
  int32_t slots_before = 0;
  for (size_t t : order) {
    int32_t gets = 0;
    for (spec::Op op : c.threads[t]) {
      // A negative slot names no sample (the runner skips the op): keep it so.
      if (spec::IsSampleOp(op.kind) && op.sample >= 0) op.sample += slots_before;
      // Each GetBuffer fills a slot, whatever it returned (parallel_runner.h).
      if (op.kind == spec::OpKind::kGetBuffer) ++gets;
      op.thread = 1;
      list.push_back(op);
    }
    slots_before += gets;
  }
  return serial;
}

std::optional<SerialReplay> ReproduceSingleThreaded(const harness::Implementation& impl,
                                                    const ParallelCase& c, RunOptions options) {
  // One thread has one schedule: a repeat would only run the same calls.
  options.repeats = 1;
  std::vector<size_t> order(c.threads.size());
  std::iota(order.begin(), order.end(), size_t{0});
  do {
    ParallelCase serial = Serialized(c, order);
    RunResult run = RunParallelCase(impl, serial, options);
    const std::string& rule = run.divergence.rule;
    if (run.failed && !rule.empty() && rule != "THREAD.SAFE" && run.stats.runner_decommits == 0) {
      SerialReplay found;
      found.serial = std::move(serial);
      for (size_t t : order) {
        found.order += (found.order.empty() ? "" : ", ") + std::to_string(t + 1);
      }
      found.run = std::move(run);
      return found;
    }
  } while (std::next_permutation(order.begin(), order.end()));
  return std::nullopt;
}

}  // namespace dsalloc::props::parallel
