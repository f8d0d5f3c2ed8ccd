// src/internal/wait_word_win32.cpp: wait_word.h on Windows, WaitOnAddress
// (Windows 8 and later; Wine implements it).

#include "internal/wait_word.h"

#include <windows.h>

namespace dsalloc::internal {

static_assert(sizeof(std::atomic<int>) == sizeof(int) && std::atomic<int>::is_always_lock_free,
              "WaitOnAddress compares the word's own bytes");

void WaitWhileEquals(std::atomic<int>& word, int value) {
  WaitOnAddress(static_cast<volatile void*>(&word), &value, sizeof value, INFINITE);
}

void WakeOne(std::atomic<int>& word) { WakeByAddressSingle(static_cast<void*>(&word)); }

}  // namespace dsalloc::internal
