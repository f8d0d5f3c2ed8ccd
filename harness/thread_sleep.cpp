// harness/thread_sleep.cpp: reading a thread's sleep from /proc
// (thread_sleep.h). Plain open/read into stack buffers: the looking thread
// must not take locks (the allocator's, malloc's) that the watched one may
// need.

#include "thread_sleep.h"

#if defined(__linux__)
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dsalloc::harness {
namespace {

#if defined(__linux__)
// The file's first bytes, NUL-terminated; false if it cannot be read.
bool ReadSmallFile(const char* path, char* buf, size_t size) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::read(fd, buf, size - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  return true;
}
#endif

}  // namespace

int CurrentThreadId() {
#if defined(__linux__)
  return static_cast<int>(::syscall(SYS_gettid));
#else
  return 0;
#endif
}

bool SleepWatch::Supported() const {
#if defined(__linux__)
  return tid_ > 0;
#else
  return false;
#endif
}

bool SleepWatch::Take(Look& look) const {
#if defined(__linux__)
  if (tid_ <= 0) return false;
  char path[64];
  char buf[512];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid_);
  if (!ReadSmallFile(path, buf, sizeof buf)) return false;
  // "tid (comm) S ...": the name may hold spaces and parentheses.
  const char* close = std::strrchr(buf, ')');
  if (close == nullptr || close[1] != ' ') return false;
  look.asleep = close[2] == 'S';
  std::snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid_);
  if (!ReadSmallFile(path, buf, sizeof buf)) return false;
  // "run_ns wait_ns times_scheduled"
  char* end = nullptr;
  std::strtoull(buf, &end, 10);
  std::strtoull(end, &end, 10);
  const char* third = end;
  look.scheduled = std::strtoull(third, &end, 10);
  return end != third;
#else
  (void)look;
  return false;
#endif
}

bool SleepWatch::Settled(std::chrono::microseconds span) {
  Look now;
  if (!Take(now) || !now.asleep) {
    have_first_ = false;
    return false;
  }
  const auto at = std::chrono::steady_clock::now();
  if (!have_first_ || now.scheduled != first_.scheduled) {
    have_first_ = true;
    first_ = now;
    first_at_ = at;
    return false;
  }
  return at - first_at_ >= span;
}

}  // namespace dsalloc::harness
