// harness/keep_forever.cpp: the graveyard (keep_forever.h).

#include "keep_forever.h"

#include <vector>

#include "harness/annotated_mutex.h"

namespace dsalloc::harness {

void KeepForever(const void* p) {
  // Never destroyed, so nothing kept dies at exit either.
  static Mutex* mu = new Mutex;
  static auto* kept = new std::vector<const void*>;
  MutexLock lock(*mu);
  kept->push_back(p);
}

}  // namespace dsalloc::harness
