// conform/soak_report.cpp: the SoakReport (soak.h) a soak ends with: its
// failures and one summary paragraph of what ran, in four parts (the
// traffic, the notifications, the decommits, the outcome).

#include <cstdio>

#include "soak_core.h"

namespace dsalloc::conform::soak_internal {

using harness::MutexLock;

// Every thread's traffic counters, summed.
struct TrafficTotals {
  long long releases = 0;
  long long blocking = 0;
  long long nowait = 0;
  long long misses = 0;
  long long wakes = 0;
};

namespace {

TrafficTotals Sum(const std::vector<Traffic>& traffic) {
  TrafficTotals sum;
  for (const Traffic& t : traffic) {
    sum.releases += t.releases;
    sum.blocking += t.blocking_gets;
    sum.nowait += t.nowait_gets;
    sum.misses += t.nowait_misses;
    sum.wakes += t.decommit_wakes;
  }
  return sum;
}

// "1.25 s (160000 cycles/s)".
std::string Rate(double seconds, long long cycles) {
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.2f s (%.0f cycles/s)", seconds,
                seconds > 0 ? static_cast<double>(cycles) / seconds : 0.0);
  return rate;
}

// "passed", or how many failures and the first one's rule; and a hang.
std::string Outcome(const SoakReport& report, bool aborted) {
  std::string s = report.passed ? std::string("passed")
                                : std::to_string(report.failures.size()) + " failure(s), first " +
                                      report.failures.front().first;
  if (aborted) s += "; stopped by a hang (threads detached, allocator leaked)";
  return s;
}

}  // namespace

SoakReport Soak::Report(double seconds) {
  SoakReport report;
  {
    MutexLock lock(failures_mu_);
    report.failures = failures_;
    if (failures_dropped_ > 0) {
      report.failures.emplace_back(
          "", std::to_string(failures_dropped_) + " further failures not listed");
    }
  }
  report.passed = report.failures.empty();
  report.notify_checked = cb_alloc_ != nullptr;
  report.cycles_done = cycles_done_.load();
  report.seconds = seconds;
  const TrafficTotals sum = Sum(traffic_);
  report.summary = TrafficFigures(report, sum) + NotifyFigures() + DecommitFigures(sum.wakes) +
                   Outcome(report, aborted());
  return report;
}

std::string Soak::TrafficFigures(const SoakReport& report, const TrafficTotals& sum) const {
  return impl_.name + ": " + std::to_string(report.cycles_done) + " of " +
         std::to_string(options_.cycles) + " cycles on " + std::to_string(threads_) +
         " workers in " + Rate(report.seconds, report.cycles_done) + "; cBuffers " +
         std::to_string(min_cbuffers_) +
         (max_cbuffers_ != min_cbuffers_ ? std::string("-") + std::to_string(max_cbuffers_) : "") +
         ", cbBuffer " + std::to_string(cbbuffer_) + "; " + std::to_string(sum.blocking) +
         " blocking and " + std::to_string(sum.nowait) + " NOWAIT GetBuffer calls (" +
         std::to_string(sum.misses) + " misses), " + std::to_string(sum.releases) + " releases; ";
}

std::string Soak::NotifyFigures() const {
  if (cb_alloc_ == nullptr && !notify_na_.empty()) {
    return "notify counting not applicable (" + notify_na_ + "); ";
  }
  long long notified = 0;
  for (const auto& cb : callbacks_) notified += cb->notified();
  return std::to_string(notified) + " NotifyRelease calls counted exactly on " +
         std::to_string(callbacks_.size()) + " callbacks (" + std::to_string(disposables_) +
         " let go of once installed, " + std::to_string(races_) +
         " removed while releases raced) at " + std::to_string(epochs_) + " rendezvous, " +
         std::to_string(setnotify_calls_) + " SetNotify calls; ";
}

std::string Soak::DecommitFigures(long long wakes) const {
  return std::to_string(decommits_with_waiters_) + " decommits with every sample out (" +
         std::to_string(wakes) + " waiters woken), " + std::to_string(quiescent_decommits_) +
         " with none out; ";
}

}  // namespace dsalloc::conform::soak_internal
