// Memory overhead: the heap bytes a ready pool takes beyond its payload,
// split into a per-buffer and a per-pool part by building pools of 1 and of
// 65 buffers of 64 bytes (mallinfo2: in-use heap plus mmapped blocks, so
// chunk headers and alignment slack count as overhead). Each pool is made
// and destroyed once first, so one-time set-up (GStreamer's type system,
// the server's class factory) is not charged to it. One iteration; the
// numbers are the counters bytes_per_buffer and bytes_per_pool.
//
// Exact only in a process started with GLIBC_TUNABLES=glibc.malloc.
// tcache_count=0 (glibc's per-thread cache counts a freed chunk as in use)
// and G_SLICE=always-malloc (GLib's slices otherwise come from its own
// magazines; setting it in main() is too late): bench/run starts it so, and
// the label says when a run was not.

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/peers/ffmpeg_pool.h"
#include "bench/peers/gst_pool.h"
#include "benchmarks.h"
#include "pools.h"

namespace dsalloc::bench {
namespace {

constexpr int kPayload = 64;

long HeapInUse() {
  struct mallinfo2 info = mallinfo2();
  return static_cast<long>(info.uordblks + info.hblkhd);
}

// A pool of n buffers, each allocated once (FFmpeg's pool allocates on the
// first get; dsalloc and GStreamer when committed or activated).
template <typename Pool>
std::unique_ptr<Pool> ReadyPool(int n) {
  auto pool = std::make_unique<Pool>(PoolConfig{n, kPayload});
  if constexpr (std::is_same_v<Pool, FfmpegPool>) {
    std::vector<void*> out;
    for (int i = 0; i < n; ++i) out.push_back(pool->Acquire());
    for (void* buffer : out) pool->Release(buffer);
  }
  return pool;
}

template <typename Pool>
long PoolBytes(int n) {
  const long before = HeapInUse();
  auto pool = ReadyPool<Pool>(n);
  const long bytes = HeapInUse() - before;
  pool.reset();
  return bytes;
}

template <typename Pool>
void Overhead(benchmark::State& state) {
  constexpr int kSmall = 1, kLarge = 65;
  PoolBytes<Pool>(kLarge);  // one-time set-up
  long small = 0, large = 0;
  for (auto _ : state) {
    small = PoolBytes<Pool>(kSmall);
    large = PoolBytes<Pool>(kLarge);
  }
  const double per_buffer = double(large - small) / double(kLarge - kSmall);
  state.counters["bytes_per_buffer"] = per_buffer - double(kPayload);
  state.counters["bytes_per_pool"] = double(small) - per_buffer * double(kSmall);
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const char* slice = std::getenv("G_SLICE");
  if (tunables == nullptr || std::strstr(tunables, "tcache_count=0") == nullptr ||
      slice == nullptr || std::strcmp(slice, "always-malloc") != 0) {
    state.SetLabel("approximate: start with GLIBC_TUNABLES and G_SLICE as bench/run does");
  }
}

}  // namespace

void RegisterMemoryBenchmarks() {
  benchmark::RegisterBenchmark("memory/dsalloc", Overhead<DsallocPool>)->Iterations(1);
  benchmark::RegisterBenchmark("memory/ffmpeg", Overhead<FfmpegPool>)->Iterations(1);
  benchmark::RegisterBenchmark("memory/gstreamer", Overhead<GstPool>)->Iterations(1);
}

}  // namespace dsalloc::bench
