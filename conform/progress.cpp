// conform/progress.cpp: the child-to-parent progress count (progress.h): one
// 8-byte pwrite per update, read back with pread.

#include "progress.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>

namespace dsalloc::conform {
namespace {
std::atomic<int> g_fd{-1};
}  // namespace

void OpenProgress(const std::string& path) {
  g_fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

void ReportProgress(long long done) {
  int fd = g_fd.load();
  if (fd >= 0) (void)!pwrite(fd, &done, sizeof done, 0);
}

long long ReadProgress(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long long done = -1;
  if (pread(fd, &done, sizeof done, 0) != static_cast<ssize_t>(sizeof done)) done = -1;
  close(fd);
  return done;
}

}  // namespace dsalloc::conform
