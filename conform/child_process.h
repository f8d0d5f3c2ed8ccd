// ---------------------------------------------------------------------------
// File: conform/child_process.h
// ---------------------------------------------------------------------------
//
// The kit's isolation: every check that touches the implementation runs in
// a child process (this same executable, started again with --child), with
// a wall-clock timeout and a memory limit, so a crash, a hang or a runaway
// allocation in the implementation ends that child, not the kit or the
// machine. POSIX: fork + exec of /proc/self/exe in its own process group,
// setrlimit(RLIMIT_AS) (under ASan, whose shadow memory needs a huge
// address space, ASan's own hard_rss_limit_mb instead), the group killed
// at the timeout. The child's stdout and stderr go to `output_file`.
// A child never outlives the kit: it dies with the thread that started it
// (PR_SET_PDEATHSIG, and a check that the parent still lives after it was
// set), so even a SIGKILL of the kit leaves no child behind.
//
// Interrupts: after InstallInterruptHandlers, the first SIGINT or SIGTERM
// ends every running child's process group at once, from the handler, and
// no child starts after it (RunChild returns kInterrupted); a second one
// ends the kit too (exit 128 + signal). The kit reads InterruptSignal() to
// stop planning and write what it has.
//
// Threading: RunChild may be called from several threads at once.
// Errors: reported in ChildOutcome, never thrown.

#ifndef DSALLOC_CONFORM_CHILD_PROCESS_H_
#define DSALLOC_CONFORM_CHILD_PROCESS_H_

#include <string>
#include <vector>

namespace dsalloc::conform {

struct ChildSpec {
  std::vector<std::string> args;  // after argv[0]
  double timeout_s = 30;
  long long memory_limit_mb = 2048;
  std::string output_file;  // stdout + stderr of the child
};

struct ChildOutcome {
  // kInterrupted: the kit was interrupted while it ran (or before it
  // started); how it ended says nothing about the implementation.
  enum class Kind {
    kExited,
    kSignaled,
    kTimedOut,
    kFailedToStart,
    kInterrupted
  } kind = Kind::kExited;
  int code = 0;  // exit code, or signal number
  double seconds = 0;
  long long peak_rss_mb = -1;    // the child's peak resident set (getrusage), -1 unknown
  std::string Describe() const;  // "exit code 3", "killed by signal 11 (SIGSEGV)", ...
};

// The path of the running executable (what children are started from).
std::string SelfPath();
ChildOutcome RunChild(const ChildSpec& spec);

// Called first in a child: applies the memory limit to this process.
void ApplyMemoryLimit(long long memory_limit_mb);

// SIGINT and SIGTERM end every running child (see above).
void InstallInterruptHandlers();
// The signal that interrupted the kit, 0 if none.
int InterruptSignal();

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_CHILD_PROCESS_H_
