// GStreamer's one-time setup for the benchmarks; see gst_pool.h.

#include "bench/peers/gst_pool.h"

#include <cstdlib>

namespace dsalloc::bench {

void GstInit() {
  // GLib 2.74's slice allocator keeps its own magazines; on malloc, every
  // byte the pool takes shows in mallinfo2 (memory_bench.cpp).
  setenv("G_SLICE", "always-malloc", 0);
  gst_init(nullptr, nullptr);
}

}  // namespace dsalloc::bench
