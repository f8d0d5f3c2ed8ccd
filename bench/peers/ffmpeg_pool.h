// ---------------------------------------------------------------------------
// File: bench/peers/ffmpeg_pool.h
// ---------------------------------------------------------------------------
//
// FfmpegPool: FFmpeg's AVBufferPool (libavutil) in the shape of
// bench/pools.h. The pool has no limit: Acquire never blocks, it allocates
// a new buffer when none is free, so there is no hand-off to measure.
//
// Threading: thread-safe (AVBufferPool locks internally).

#ifndef DSALLOC_BENCH_PEERS_FFMPEG_POOL_H_
#define DSALLOC_BENCH_PEERS_FFMPEG_POOL_H_

extern "C" {
#include <libavutil/buffer.h>
}

#include "bench/pools.h"

namespace dsalloc::bench {

class FfmpegPool {
 public:
  explicit FfmpegPool(const PoolConfig& config) : pool_(av_buffer_pool_init(config.size, nullptr)) {
    if (pool_ == nullptr) Die("av_buffer_pool_init", 0);
  }
  // Frees the pool once the last buffer is back (av_buffer_pool_uninit).
  ~FfmpegPool() { av_buffer_pool_uninit(&pool_); }
  FfmpegPool(const FfmpegPool&) = delete;
  FfmpegPool& operator=(const FfmpegPool&) = delete;

  void* Acquire() {
    AVBufferRef* ref = av_buffer_pool_get(pool_);
    if (ref == nullptr) Die("av_buffer_pool_get", 0);
    return ref;
  }
  void Release(void* buffer) {
    auto* ref = static_cast<AVBufferRef*>(buffer);
    av_buffer_unref(&ref);
  }

 private:
  AVBufferPool* pool_;
};

}  // namespace dsalloc::bench

#endif  // DSALLOC_BENCH_PEERS_FFMPEG_POOL_H_
