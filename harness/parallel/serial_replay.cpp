// harness/parallel/serial_replay.cpp: single-threaded replays of a parallel
// case (serial_replay.h).

#include "harness/parallel/serial_replay.h"

#include <algorithm>
#include <numeric>

#include "harness/parallel/sample_arg.h"
#include "spec/model/op.h"

namespace dsalloc::props::parallel {
namespace {

// Builds the one list: ops appended as they come, each thread's slots
// mapped to the list's own (slot k of thread t is the list slot its k-th
// GetBuffer filled).
class Joiner {
 public:
  explicit Joiner(size_t threads) : slots_(threads) {}

  void Append(size_t t, const spec::Op& op) {
    spec::Call c = op.call;
    // A slot the thread has not filled yet names no sample, and the runner
    // skips the op; keep it out of range so it still does.
    if (int32_t* slot = SampleArg(c); slot != nullptr && *slot >= 0) {
      const auto k = static_cast<size_t>(*slot);
      *slot = k < slots_[t].size() ? slots_[t][k] : kNoSlot;
    }
    // Each GetBuffer fills a slot, whatever it returned (parallel_runner.h).
    if (spec::Is<spec::call::GetBuffer>(c)) slots_[t].push_back(filled_++);
    list_.push_back(spec::MakeOp(c, 1, op.oom));
  }

  ParallelCase Case(const ParallelCase& c) && {
    ParallelCase serial;
    serial.prefix = c.prefix;
    serial.threads.push_back(std::move(list_));
    return serial;
  }

 private:
  static constexpr int32_t kNoSlot = 1 << 20;
  std::vector<std::vector<int32_t>> slots_;
  int32_t filled_ = 0;
  std::vector<spec::Op> list_;
};

}  // namespace

ParallelCase Serialized(const ParallelCase& c, const std::vector<size_t>& order) {
  Joiner joiner(c.threads.size());
  for (size_t t : order) {
    for (const spec::Op& op : c.threads[t]) joiner.Append(t, op);
  }
  return std::move(joiner).Case(c);
}

ParallelCase InHistoryOrder(const ParallelCase& c, std::vector<Event> history, bool by_response) {
  std::stable_sort(history.begin(), history.end(), [by_response](const Event& a, const Event& b) {
    return by_response ? a.responded < b.responded : a.invoked < b.invoked;
  });
  Joiner joiner(c.threads.size());
  for (const Event& e : history) {
    const size_t t = e.op.thread - 1u;
    if (e.op.thread == 0 || t >= c.threads.size() || e.source < 0 ||
        static_cast<size_t>(e.source) >= c.threads[t].size()) {
      continue;  // the runner's own Decommit
    }
    joiner.Append(t, c.threads[t][static_cast<size_t>(e.source)]);
  }
  return std::move(joiner).Case(c);
}

std::optional<SerialReplay> ReproduceSingleThreaded(const harness::Implementation& impl,
                                                    const ParallelCase& c,
                                                    const std::vector<Event>& history,
                                                    RunOptions options) {
  // One thread has one schedule: a repeat would only run the same calls.
  options.repeats = 1;
  std::vector<std::pair<std::string, ParallelCase>> replays;
  if (!history.empty()) {
    replays.emplace_back("the history's order", InHistoryOrder(c, history, false));
    // A GetBuffer a release on another thread woke was invoked before that
    // release, and returned after it.
    replays.emplace_back("the history's order of returns", InHistoryOrder(c, history, true));
  }
  std::vector<size_t> order(c.threads.size());
  std::iota(order.begin(), order.end(), size_t{0});
  do {
    std::string name = "threads";
    for (size_t t : order) name += (t == order.front() ? " " : ", ") + std::to_string(t + 1);
    replays.emplace_back(name, Serialized(c, order));
  } while (std::next_permutation(order.begin(), order.end()));
  for (auto& [name, serial] : replays) {
    RunResult run = RunParallelCase(impl, serial, options);
    const std::string& rule = run.divergence.rule;
    if (run.failed && !rule.empty() && rule != "THREAD.SAFE") {
      return SerialReplay{std::move(serial), name, std::move(run)};
    }
  }
  return std::nullopt;
}

}  // namespace dsalloc::props::parallel
