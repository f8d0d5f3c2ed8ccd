// ---------------------------------------------------------------------------
// File: conform/platform.h
// ---------------------------------------------------------------------------
//
// The few operating-system calls the kit makes outside child_process.*,
// one spelling for POSIX and Windows (mingw-w64): the files and
// directories it creates, whether stderr is a terminal, and the process's
// peak memory. Process handling itself lives behind ChildSpec
// (child_process.h).
//
// Threading: every function may be called from any thread.
// Errors: as each function says; none throws.

#ifndef DSALLOC_CONFORM_PLATFORM_H_
#define DSALLOC_CONFORM_PLATFORM_H_

#include <string>

namespace dsalloc::conform {

// Creates `path` as a new, empty file: 0 on success, EEXIST if it exists
// already, another errno value otherwise.
int CreateNewFile(const std::string& path);

// Opens `path` for appending (creating it if absent) and closes it again:
// whether the kit may write it, as the operating system answers for this
// user (root too). Leaves a file it created in place. 0 or an errno value.
int OpenForAppend(const std::string& path);

// The directory for temporary files: $TMPDIR, else the system's (/tmp,
// or GetTempPath on Windows), without a trailing separator.
std::string TempRoot();

// A new directory TempRoot()/dsalloc-conform-<what>-XXXXXX with a unique
// suffix; "" when none can be made.
std::string MakeTempDir(const char* what);

// Whether the kit's stderr is a terminal (progress line, colour).
bool StderrIsTerminal();

// This process's id, for names that must not clash between kits.
long long ProcessId();

// The peak memory of this process in MiB (resident set on POSIX, committed
// memory on Windows), -1 when unknown.
long long PeakMemoryMb();

// An 8-byte value at offset 0 of a file, written and read whole, by any
// thread (progress.h): the file stays open between writes.
class ValueFile {
 public:
  ValueFile() = default;
  ValueFile(const ValueFile&) = delete;
  ValueFile& operator=(const ValueFile&) = delete;
  bool OpenForWriting(const std::string& path);  // truncates
  void Write(long long value);
  static long long Read(const std::string& path);  // -1 if absent or short

 private:
  long long handle_ = -1;  // fd, or a HANDLE's bits on Windows
};

#if defined(_WIN32)
// UTF-8 (the kit's strings) <-> UTF-16 (the wide Win32 calls).
std::wstring Wide(const std::string& utf8);
std::string Narrow(const std::wstring& wide);
#endif

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_PLATFORM_H_
