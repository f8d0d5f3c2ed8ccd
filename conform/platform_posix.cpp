// conform/platform_posix.cpp: platform.h on POSIX (Linux).

#include "platform.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace dsalloc::conform {

int CreateNewFile(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

int OpenForAppend(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

std::string TempRoot() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::string MakeTempDir(const char* what) {
  std::string path = TempRoot() + "/dsalloc-conform-" + what + "-XXXXXX";
  if (mkdtemp(path.data()) == nullptr) return {};
  return path;
}

bool StderrIsTerminal() { return isatty(2) != 0; }

long long ProcessId() { return getpid(); }

long long PeakMemoryMb() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
  return usage.ru_maxrss / 1024;  // KiB on Linux
}

bool ValueFile::OpenForWriting(const std::string& path) {
  handle_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return handle_ >= 0;
}

void ValueFile::Write(long long value) {
  if (handle_ >= 0) (void)!pwrite(static_cast<int>(handle_), &value, sizeof value, 0);
}

long long ValueFile::Read(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long long value = -1;
  if (pread(fd, &value, sizeof value, 0) != static_cast<ssize_t>(sizeof value)) value = -1;
  close(fd);
  return value;
}

}  // namespace dsalloc::conform
