// harness/memory_errors.cpp: the ASan report hook (memory_errors.h). The
// reporter lives in a heap object that is never freed, so it is still there
// however late (static destruction included) an error is reported.

#include "memory_errors.h"

#include <utility>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DSALLOC_HARNESS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(DSALLOC_HARNESS_ASAN)
#define DSALLOC_HARNESS_ASAN 1
#endif

#ifdef DSALLOC_HARNESS_ASAN
#include <sanitizer/asan_interface.h>

#include <atomic>

#include "keep_forever.h"
#endif

namespace dsalloc::harness {

#ifdef DSALLOC_HARNESS_ASAN

namespace {

using Reporter = std::function<void(const char*)>;

// The installed reporter; replaced ones are kept forever (a report may be
// running on another thread while a new one is installed).
std::atomic<Reporter*> g_reporter{nullptr};

void OnAsanReport(const char* report) {
  Reporter* reporter = g_reporter.load(std::memory_order_acquire);
  if (reporter != nullptr && *reporter) (*reporter)(report);
}

}  // namespace

bool MemoryErrorReportsAvailable() { return true; }

void InstallMemoryErrorReporter(std::function<void(const char*)> reporter) {
  Reporter* old = g_reporter.exchange(reporter ? new Reporter(std::move(reporter)) : nullptr,
                                      std::memory_order_acq_rel);
  if (old != nullptr) KeepForever(old);
  __asan_set_error_report_callback(&OnAsanReport);
}

#else  // !DSALLOC_HARNESS_ASAN

bool MemoryErrorReportsAvailable() { return false; }

void InstallMemoryErrorReporter(std::function<void(const char*)>) {}

#endif  // DSALLOC_HARNESS_ASAN

}  // namespace dsalloc::harness
