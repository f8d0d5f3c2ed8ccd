// ---------------------------------------------------------------------------
// File: src/internal/wait_word.h
// ---------------------------------------------------------------------------
//
// Sleeping on a 32-bit atomic word until another thread changes it and
// wakes the sleeper: the futex primitive under the lock word (mutex.h) and
// a blocked GetBuffer's grant (Allocator::Waiter).
//
// Linux: std::atomic wait and notify, a futex. Windows: WaitOnAddress and
// WakeByAddressSingle. Not std::atomic there: GCC 12's libstdc++ builds it
// on a shared waiter pool that can miss a notify (GCC bug 106183), and
// dsalloc-conform's soak under Wine caught a blocked GetBuffer that never
// woke (ALLOC.DECOMMIT.WAKE).
//
// Threading: any thread may wait or wake. A wait may return spuriously:
// callers re-check the word in a loop. Errors: none.

#ifndef DSALLOC_SRC_INTERNAL_WAIT_WORD_H_
#define DSALLOC_SRC_INTERNAL_WAIT_WORD_H_

#include <atomic>

namespace dsalloc::internal {

#if defined(_WIN32)
// wait_word_win32.cpp
void WaitWhileEquals(std::atomic<int>& word, int value);
void WakeOne(std::atomic<int>& word);
#else
// Sleeps while `word` holds `value` (a relaxed look: callers load again
// with the order they need).
inline void WaitWhileEquals(std::atomic<int>& word, int value) {
  word.wait(value, std::memory_order_relaxed);
}
inline void WakeOne(std::atomic<int>& word) { word.notify_one(); }
#endif

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_WAIT_WORD_H_
