// ---------------------------------------------------------------------------
// File: bench/peers/gst_pool.h
// ---------------------------------------------------------------------------
//
// GstPool: GStreamer's GstBufferPool in the shape of bench/pools.h, with
// min-buffers = max-buffers = `buffers`, so Acquire blocks while all are
// out, as GetBuffer does. GstInit() must have run (main.cpp).
//
// Threading: thread-safe (GstBufferPool synchronises internally).

#ifndef DSALLOC_BENCH_PEERS_GST_POOL_H_
#define DSALLOC_BENCH_PEERS_GST_POOL_H_

#include <gst/gst.h>

#include "bench/pools.h"

namespace dsalloc::bench {

// gst_init, with GLib's slice allocator on malloc so that the memory
// benchmark sees every allocation. Call once, before any thread.
void GstInit();

class GstPool {
 public:
  explicit GstPool(const PoolConfig& config) : pool_(gst_buffer_pool_new()) {
    GstStructure* settings = gst_buffer_pool_get_config(pool_);
    const auto n = static_cast<guint>(config.buffers);
    gst_buffer_pool_config_set_params(settings, nullptr, static_cast<guint>(config.size), n, n);
    if (!gst_buffer_pool_set_config(pool_, settings)) Die("gst_buffer_pool_set_config", 0);
    if (!gst_buffer_pool_set_active(pool_, TRUE)) Die("gst_buffer_pool_set_active", 0);
  }
  ~GstPool() {
    gst_buffer_pool_set_active(pool_, FALSE);
    gst_object_unref(pool_);
  }
  GstPool(const GstPool&) = delete;
  GstPool& operator=(const GstPool&) = delete;

  void* Acquire() {
    GstBuffer* buffer = nullptr;
    GstFlowReturn flow = gst_buffer_pool_acquire_buffer(pool_, &buffer, nullptr);
    if (flow != GST_FLOW_OK) Die("gst_buffer_pool_acquire_buffer", flow);
    return buffer;
  }
  void Release(void* buffer) { gst_buffer_unref(static_cast<GstBuffer*>(buffer)); }

 private:
  GstBufferPool* pool_;
};

}  // namespace dsalloc::bench

#endif  // DSALLOC_BENCH_PEERS_GST_POOL_H_
