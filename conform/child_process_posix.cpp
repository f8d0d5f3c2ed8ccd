// conform/child_process_posix.cpp: starting, bounding and reaping a child
// (child_process.h) on POSIX: fork + exec, a process group, RLIMIT_AS.
// Windows: child_process_win32.cpp.

#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
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
namespace {

// The process groups of the running children, for the signal handler:
// lock-free slots (async-signal-safe), 0 = free.
constexpr int kMaxChildren = 256;
std::atomic<pid_t> g_children[kMaxChildren];
// An atomic, not a volatile sig_atomic_t: the handler (any thread) writes
// the signal and then reads the slots, RunChild fills a slot and then reads
// the signal; sequential consistency makes at least one of them see the
// other, so no child escapes the kill.
std::atomic<int> g_interrupt_signal{0};
static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "used from a signal handler");

int Register(pid_t pid) {
  for (int i = 0; i < kMaxChildren; ++i) {
    pid_t expected = 0;
    if (g_children[i].compare_exchange_strong(expected, pid)) return i;
  }
  return -1;  // more children than slots: ended by its own timeout only
}

void OnInterrupt(int sig) {
  const int saved_errno = errno;  // kill() may set it under the interrupted code
  if (g_interrupt_signal.exchange(sig) != 0) _exit(128 + sig);  // asked twice: go now
  for (std::atomic<pid_t>& child : g_children) {
    pid_t pid = child.load();
    if (pid > 0) kill(-pid, SIGKILL);
  }
  errno = saved_errno;
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  action.sa_flags = SA_RESTART;  // the kit's own waits and writes go on
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int InterruptSignal() { return g_interrupt_signal.load(); }

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
    case Kind::kInterrupted:
      return "ended: the kit was interrupted";
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

  if (InterruptSignal() != 0) {
    outcome.kind = ChildOutcome::Kind::kInterrupted;
    return outcome;
  }
  // The child's output goes to its file, its input is empty: a child that
  // read the terminal from a background process group would be stopped.
  int fd = open(spec.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || null_in < 0) {
    outcome.kind = ChildOutcome::Kind::kFailedToStart;
    outcome.code = errno;
    if (fd >= 0) close(fd);
    if (null_in >= 0) close(null_in);
    return outcome;
  }
  auto start = std::chrono::steady_clock::now();
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    outcome.kind = ChildOutcome::Kind::kFailedToStart;
    outcome.code = errno;
    close(fd);
    close(null_in);
    return outcome;
  }
  if (pid == 0) {
    setpgid(0, 0);
    // Die with the kit, even if it is SIGKILLed; it may have died already.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // (execve resets the kit's SIGINT/SIGTERM handlers to the default.)
    dup2(null_in, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also here: no race with the kill below
  const int slot = Register(pid);
  if (InterruptSignal() != 0) kill(-pid, SIGKILL);  // the handler ran before Register
  close(fd);
  close(null_in);
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // The child is seen to end without being reaped (WNOWAIT): while it is a
  // zombie its pid, and so its process group, cannot be reused, so ending
  // the group and leaving the slot happen before the pid is given back.
  auto wait_for_end = [&](bool block) {
    siginfo_t info{};
    while (waitid(P_PID, static_cast<id_t>(pid), &info,
                  WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) != 0) {
      if (errno != EINTR) return true;  // gone already (cannot happen: we reap it)
    }
    return info.si_pid == pid;
  };
  bool timed_out = false;
  auto nap = std::chrono::microseconds(200);
  while (!wait_for_end(false)) {
    if (elapsed() > spec.timeout_s) {
      timed_out = true;
      kill(-pid, SIGKILL);
      wait_for_end(true);
      break;
    }
    std::this_thread::sleep_for(nap);
    if (nap < std::chrono::milliseconds(20)) nap *= 2;
  }
  kill(-pid, SIGKILL);  // threads or grandchildren it left behind
  if (slot >= 0) g_children[slot] = 0;
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    outcome.kind =
        InterruptSignal() != 0 ? ChildOutcome::Kind::kInterrupted : ChildOutcome::Kind::kTimedOut;
    outcome.seconds = elapsed();
    return outcome;
  }
  outcome.seconds = elapsed();
  outcome.peak_rss_mb = usage.ru_maxrss / 1024;  // KiB on Linux
  if (WIFSIGNALED(status)) {
    outcome.kind = ChildOutcome::Kind::kSignaled;
    outcome.code = WTERMSIG(status);
  } else {
    outcome.code = WEXITSTATUS(status);
  }
  // A child that did not finish on its own while the kit was being
  // interrupted was (most likely) ended by the interrupt.
  if (InterruptSignal() != 0 &&
      !(outcome.kind == ChildOutcome::Kind::kExited && outcome.code == 0)) {
    outcome.kind = ChildOutcome::Kind::kInterrupted;
  }
  return outcome;
}

}  // namespace dsalloc::conform
