// The implementation under measurement; see bench_impl.h.

#include "bench_impl.h"

#include <unistd.h>
#include <optional>

namespace dsalloc::bench {
namespace {

harness::Implementation& Selection() {
  static harness::Implementation selection = harness::Embedded();
  return selection;
}

}  // namespace

bool SelectImpl(const std::string& path, std::string* error) {
  std::string chosen = path;
#ifdef DSALLOC_BENCH_DEFAULT_IMPL
  if (chosen.empty() && access(DSALLOC_BENCH_DEFAULT_IMPL, R_OK) == 0) {
    chosen = DSALLOC_BENCH_DEFAULT_IMPL;
  }
#endif
  if (chosen.empty()) return true;  // the embedded one
  std::optional<harness::Implementation> loaded = harness::Load(chosen, error);
  if (!loaded) return false;
  Selection() = *loaded;
  return true;
}

const harness::Implementation& SelectedImpl() { return Selection(); }

}  // namespace dsalloc::bench
