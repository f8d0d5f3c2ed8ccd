// ---------------------------------------------------------------------------
// File: harness/helper_thread.h
// ---------------------------------------------------------------------------
//
// HelperThread runs a body on a
// thread borrowed from a process-wide park of idle threads, with the
// joinable / join / detach of std::thread. A checker makes a Driver per
// case (the fuzzers one per input), and starting threads for each one
// (their stacks' mmap and munmap, the sanitizers' per-thread bookkeeping)
// cost more than the whole case: a parked thread takes the next body
// instead.
//
// Threading: a handle is for one owner thread; the park is thread-safe.
// Lifetime: join() waits until the body has returned (what it touched
// may then be freed); the thread goes back to the park. detach() forgets
// the body: a body that never returns (stuck inside an implementation)
// keeps its thread forever, and the park starts another when it needs
// one. Parked threads live until the process exits. Errors: none.

#ifndef DSALLOC_HARNESS_HELPER_THREAD_H_
#define DSALLOC_HARNESS_HELPER_THREAD_H_

#include <cstdint>
#include <functional>

namespace dsalloc::harness {

struct ParkedThread;  // helper_thread.cpp

class HelperThread {
 public:
  HelperThread() = default;
  // Runs body on a parked thread (started if none is idle).
  explicit HelperThread(std::function<void()> body);
  HelperThread(HelperThread&& other) noexcept;
  HelperThread& operator=(HelperThread&& other) noexcept;
  HelperThread(const HelperThread&) = delete;
  HelperThread& operator=(const HelperThread&) = delete;
  // REQUIRES: not joinable (as std::thread, a body still owned must be
  // joined or detached first); checked.
  ~HelperThread();

  bool joinable() const { return slot_ != nullptr; }
  void join();
  void detach();

 private:
  ParkedThread* slot_ = nullptr;
  uint64_t job_ = 0;
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_HELPER_THREAD_H_
