// conform/child_process.cpp: starting, bounding and reaping a child
// (child_process.h). POSIX only today; the Windows build will use
// CreateProcess with a job object (memory and kill-on-close limits).

#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstring>
#include <string>
#include <thread>

// ASan's and TSan's shadow memory needs a huge address space: under them
// the limit is the sanitizer's own hard_rss_limit_mb, not RLIMIT_AS.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define DSALLOC_CONFORM_SHADOW_MEMORY 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DSALLOC_CONFORM_SHADOW_MEMORY 1
#endif

extern char** environ;

namespace dsalloc::conform {

std::string ChildOutcome::Describe() const {
  switch (kind) {
    case Kind::kExited:
      return "exit code " + std::to_string(code);
    case Kind::kSignaled: {
      const char* name = strsignal(code);
      return "killed by signal " + std::to_string(code) + " (" + (name ? name : "?") + ")";
    }
    case Kind::kTimedOut:
      return "timed out after " + std::to_string(static_cast<int>(seconds)) + " s";
    case Kind::kFailedToStart:
      return "could not be started (" + std::string(std::strerror(code)) + ")";
  }
  return "?";
}

std::string SelfPath() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "";
  path[n] = '\0';
  return path;
}

void ApplyMemoryLimit(long long memory_limit_mb) {
#ifndef DSALLOC_CONFORM_SHADOW_MEMORY
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = static_cast<rlim_t>(memory_limit_mb) * 1024 * 1024;
  setrlimit(RLIMIT_AS, &limit);
#else
  (void)memory_limit_mb;  // a sanitizer's hard_rss_limit_mb, set by RunChild
#endif
}

ChildOutcome RunChild(const ChildSpec& spec) {
  static const std::string self = SelfPath();
  ChildOutcome outcome;
  // Everything the child needs is built before fork: after it only
  // async-signal-safe calls are allowed (the parent has threads).
  std::vector<std::string> args = {self};
  args.insert(args.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "ASAN_OPTIONS=", 13) != 0 && std::strncmp(*e, "TSAN_OPTIONS=", 13) != 0) {
      env_store.emplace_back(*e);
    }
  }
  // A heap error in the implementation is reported, then the child exits
  // with a code the parent reads; a runaway allocation fails instead of
  // swapping the machine (sanitizer builds; others have RLIMIT_AS).
  const std::string rss = "hard_rss_limit_mb=" + std::to_string(spec.memory_limit_mb);
  for (const char* name : {"ASAN_OPTIONS", "TSAN_OPTIONS"}) {
    std::string options = std::string(name) + "=";
    if (const char* old = std::getenv(name)) options += std::string(old) + ":";
    options += rss + ":allocator_may_return_null=1";
    if (name[0] == 'A') options += ":detect_leaks=0";
    env_store.push_back(options);
  }
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  int fd = open(spec.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    outcome.kind = ChildOutcome::Kind::kFailedToStart;
    outcome.code = errno;
    if (fd >= 0) close(fd);
    return outcome;
  }
  if (pid == 0) {
    setpgid(0, 0);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also here: no race with the kill below
  if (fd >= 0) close(fd);
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int status = 0;
  auto nap = std::chrono::microseconds(200);
  rusage usage{};
  while (true) {
    pid_t done = wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (elapsed() > spec.timeout_s) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      outcome.kind = ChildOutcome::Kind::kTimedOut;
      outcome.seconds = elapsed();
      return outcome;
    }
    std::this_thread::sleep_for(nap);
    if (nap < std::chrono::milliseconds(20)) nap *= 2;
  }
  kill(-pid, SIGKILL);  // threads or grandchildren it left behind
  outcome.seconds = elapsed();
  outcome.peak_rss_mb = usage.ru_maxrss / 1024;  // KiB on Linux
  if (WIFSIGNALED(status)) {
    outcome.kind = ChildOutcome::Kind::kSignaled;
    outcome.code = WTERMSIG(status);
  } else {
    outcome.code = WEXITSTATUS(status);
  }
  return outcome;
}

}  // namespace dsalloc::conform
