// conform/child_process_win32.cpp: starting, bounding and reaping a child
// (child_process.h) on Windows: CreateProcess, suspended until it is in a
// job object of its own. The job ends the child and everything it started:
// at the timeout, at an interrupt, and when the kit dies however it dies
// (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: the kit's handle is the job's last).
// The kit also puts itself into a kill-on-close job before its first child,
// so every child is born inside it: one the kit is still creating (Wine's
// CreateProcess takes tens of milliseconds) when the kit is killed goes too.
// Memory: the job's per-process limit, which Windows enforces, and, since
// Wine stores job limits without enforcing them, the parent's own look at
// the child's committed memory at every wake-up (the same polling that
// watches the clock), ending it past the limit.

#include "child_process.h"

#include <windows.h>
// (after windows.h)
#include <psapi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "platform.h"

namespace dsalloc::conform {
namespace {

// The exit code a job is ended with when the parent ends it for its memory:
// what Windows itself reports for a process that ran out (STATUS_NO_MEMORY).
constexpr DWORD kOverMemoryLimit = 0xC0000017;

// The running children's jobs, for the console handler, which Windows runs
// on a thread of its own (not a signal context: a mutex is fine). A job
// leaves the set before its handle is closed, so the handler never ends a
// handle that was reused.
std::mutex g_jobs_mu;
// The running children: their own job (null where the system would not
// nest one in the kit's) and their process handle. Guarded by g_jobs_mu.
std::set<std::pair<HANDLE, HANDLE>> g_children;
std::atomic<int> g_interrupt_signal{0};

// Inheritable handles exist only inside this lock: a child started by
// another thread at the same time inherits none of this child's files.
std::mutex g_spawn_mu;

// The kit's own job (see the banner); null where the kit cannot join one.
HANDLE KitJob() {
  static HANDLE kit_job = [] {
    HANDLE job = CreateJobObjectW(nullptr, nullptr);
    if (job == nullptr) return job;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits) ||
        !AssignProcessToJobObject(job, GetCurrentProcess())) {
      CloseHandle(job);
      return HANDLE{nullptr};
    }
    return job;
  }();
  return kit_job;
}

// Ends the child and, where it is in a job of its own, all it started.
void EndChild(HANDLE job, bool in_job, HANDLE process, DWORD code) {
  if (in_job) {
    TerminateJobObject(job, code);
  } else {
    TerminateProcess(process, code);
  }
}

BOOL WINAPI OnConsoleEvent(DWORD event) {
  const int sig = event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT ? SIGINT : SIGTERM;
  if (g_interrupt_signal.exchange(sig) != 0) ExitProcess(128 + sig);  // asked twice: go now
  std::lock_guard<std::mutex> lock(g_jobs_mu);
  for (auto [job, process] : g_children) EndChild(job, job != nullptr, process, 128 + sig);
  return TRUE;  // the kit goes on to write what it has
}

// One argument as the C runtime's command-line parser reads it back
// (CommandLineToArgvW rules: backslashes double only before a quote).
std::wstring QuoteArgument(const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) return arg;
  std::wstring quoted = L"\"";
  size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') {
      quoted.append(backslashes * 2 + 1, L'\\');
    } else {
      quoted.append(backslashes, L'\\');
    }
    backslashes = 0;
    quoted += c;
  }
  quoted.append(backslashes * 2, L'\\');
  quoted += L'"';
  return quoted;
}

long long CommittedMb(HANDLE process) {
  PROCESS_MEMORY_COUNTERS counters{};
  counters.cb = sizeof counters;
  if (!GetProcessMemoryInfo(process, &counters, sizeof counters)) return -1;
  return static_cast<long long>(counters.PagefileUsage / (1024 * 1024));
}

// The job's own record of the peak, where the system keeps one.
long long JobPeakMb(HANDLE job) {
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION info{};
  if (!QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &info, sizeof info,
                                 nullptr)) {
    return -1;
  }
  return static_cast<long long>(info.PeakProcessMemoryUsed / (1024 * 1024));
}

HANDLE NewJob(long long memory_limit_mb) {
  HANDLE job = CreateJobObjectW(nullptr, nullptr);
  if (job == nullptr) return nullptr;
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE |
                                            JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION |
                                            JOB_OBJECT_LIMIT_PROCESS_MEMORY;
  limits.ProcessMemoryLimit = static_cast<SIZE_T>(memory_limit_mb) * 1024 * 1024;
  SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits);
  return job;
}

// "Windows error 1450: Insufficient system resources ..." (FormatMessage).
std::string WindowsErrorText(DWORD error) {
  char* text = nullptr;
  FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message = "Windows error " + std::to_string(error);
  if (text != nullptr) {
    std::string said = text;
    LocalFree(text);
    while (!said.empty() && (said.back() == '\n' || said.back() == '\r' || said.back() == ' ')) {
      said.pop_back();
    }
    if (!said.empty()) message += ": " + said;
  }
  return message;
}

}  // namespace

void InstallInterruptHandlers() {
  SetConsoleCtrlHandler(OnConsoleEvent, TRUE);
  // A crashing child ends with its exception code at once: no error box,
  // no debugger attached (Wine's winedbg), in children too (inherited).
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
}

int InterruptSignal() { return g_interrupt_signal.load(); }

std::string ChildOutcome::Describe() const {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(code));
  switch (kind) {
    case Kind::kExited:
      return "exit code " + std::to_string(code);
    case Kind::kSignaled:
      if (static_cast<DWORD>(code) == kOverMemoryLimit) {
        return std::string("ended by ") + hex + " (out of memory: over its limit)";
      }
      if (static_cast<DWORD>(code) == 0xC0000005) {
        return std::string("crashed with exception ") + hex + " (access violation)";
      }
      return std::string("crashed with exception ") + hex;
    case Kind::kTimedOut:
      return "timed out after " + std::to_string(static_cast<int>(seconds)) + " s";
    case Kind::kFailedToStart:
      return "could not be started (" + WindowsErrorText(static_cast<DWORD>(code)) + ")";
    case Kind::kInterrupted:
      return "ended: the kit was interrupted";
  }
  return "?";
}

std::string SelfPath() {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    DWORD n = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (n == 0) return "";
    if (n < path.size()) return Narrow(path.substr(0, n));
    path.resize(path.size() * 2);
  }
}

void ApplyMemoryLimit(long long memory_limit_mb) {
  (void)memory_limit_mb;  // the parent's job (and its polling) bounds the child
}

ChildOutcome RunChild(const ChildSpec& spec) {
  static const std::string self = SelfPath();
  ChildOutcome outcome;
  if (InterruptSignal() != 0) {
    outcome.kind = ChildOutcome::Kind::kInterrupted;
    return outcome;
  }
  std::wstring command = QuoteArgument(Wide(self));
  for (const std::string& arg : spec.args) command += L" " + QuoteArgument(Wide(arg));

  // The child's output goes to its file, its input is empty.
  const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
  HANDLE out = CreateFileW(Wide(spec.output_file).c_str(), GENERIC_WRITE, share, nullptr,
                           CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  HANDLE in = CreateFileW(L"NUL", GENERIC_READ, share, nullptr, OPEN_EXISTING, 0, nullptr);
  KitJob();  // before the first child: every child is born inside it
  HANDLE job = NewJob(spec.memory_limit_mb);
  auto close_all = [&] {
    for (HANDLE h : {out, in}) {
      if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
    }
  };
  if (out == INVALID_HANDLE_VALUE || in == INVALID_HANDLE_VALUE || job == nullptr) {
    outcome.kind = ChildOutcome::Kind::kFailedToStart;
    outcome.code = static_cast<int>(GetLastError());
    close_all();
    if (job != nullptr) CloseHandle(job);
    return outcome;
  }
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = in;
  startup.hStdOutput = out;
  startup.hStdError = out;
  PROCESS_INFORMATION process{};
  auto start = std::chrono::steady_clock::now();
  BOOL started;
  {
    std::lock_guard<std::mutex> lock(g_spawn_mu);
    SetHandleInformation(out, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    SetHandleInformation(in, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    // Suspended until it is in its job: nothing it starts escapes the job.
    // Wine's CreateProcess now and then fails once under load, which says
    // nothing about the implementation: a few attempts before giving up.
    for (int attempt = 1;; ++attempt) {
      started =
          CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE,
                         CREATE_SUSPENDED | CREATE_NO_WINDOW, nullptr, nullptr, &startup, &process);
      if (started || attempt == 5 || InterruptSignal() != 0) break;
      Sleep(static_cast<DWORD>(20 * attempt));
    }
    if (!started) outcome.code = static_cast<int>(GetLastError());
    close_all();
  }
  if (!started) {
    outcome.kind = ChildOutcome::Kind::kFailedToStart;
    CloseHandle(job);
    return outcome;
  }
  // A job of its own inside the kit's (nested jobs: Windows 8, Wine);
  // where it cannot have one, the kit's job still ends it with the kit.
  const bool in_job = AssignProcessToJobObject(job, process.hProcess) != 0;
  const std::pair<HANDLE, HANDLE> entry{in_job ? job : nullptr, process.hProcess};
  {
    std::lock_guard<std::mutex> lock(g_jobs_mu);
    g_children.insert(entry);
  }
  if (InterruptSignal() != 0) EndChild(job, in_job, process.hProcess, 130);  // handler ran first
  ResumeThread(process.hThread);
  CloseHandle(process.hThread);

  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  bool timed_out = false;
  bool over_memory = false;
  long long peak_mb = -1;
  DWORD nap_ms = 1;
  while (WaitForSingleObject(process.hProcess, nap_ms) == WAIT_TIMEOUT) {
    peak_mb = std::max(peak_mb, CommittedMb(process.hProcess));
    if (peak_mb > spec.memory_limit_mb) {
      over_memory = true;
      EndChild(job, in_job, process.hProcess, kOverMemoryLimit);
      WaitForSingleObject(process.hProcess, INFINITE);
      break;
    }
    if (elapsed() > spec.timeout_s) {
      timed_out = true;
      EndChild(job, in_job, process.hProcess, 1);
      WaitForSingleObject(process.hProcess, INFINITE);
      break;
    }
    if (nap_ms < 20) nap_ms *= 2;
  }
  outcome.seconds = elapsed();
  DWORD exit_code = 0;
  GetExitCodeProcess(process.hProcess, &exit_code);
  {
    std::lock_guard<std::mutex> lock(g_jobs_mu);
    g_children.erase(entry);
  }
  if (in_job) {
    peak_mb = std::max(peak_mb, JobPeakMb(job));
    TerminateJobObject(job, 1);  // what it started and left behind
  }
  CloseHandle(job);
  CloseHandle(process.hProcess);
  if (timed_out) {
    outcome.kind =
        InterruptSignal() != 0 ? ChildOutcome::Kind::kInterrupted : ChildOutcome::Kind::kTimedOut;
    return outcome;
  }
  outcome.peak_rss_mb = peak_mb;
  outcome.code = static_cast<int>(exit_code);
  // An NTSTATUS error (0xC...) is an exception that ended it: the
  // Windows form of a fatal signal.
  if (over_memory || exit_code >= 0xC0000000u) {
    outcome.kind = ChildOutcome::Kind::kSignaled;
    if (over_memory) outcome.code = static_cast<int>(kOverMemoryLimit);
  }
  if (InterruptSignal() != 0 &&
      !(outcome.kind == ChildOutcome::Kind::kExited && outcome.code == 0)) {
    outcome.kind = ChildOutcome::Kind::kInterrupted;
  }
  return outcome;
}

}  // namespace dsalloc::conform
