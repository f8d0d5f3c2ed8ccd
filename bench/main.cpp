// dsalloc-bench: dsalloc against FFmpeg's AVBufferPool and GStreamer's
// GstBufferPool in one process (bench/README.md). Google Benchmark's flags,
// plus
//   --impl=PATH.so   measure the in-process server at PATH through the COM
//                    surface instead of the built libdsalloc.so
// bench/run builds it in Release mode and prints one table.

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "bench/peers/gst_pool.h"
#include "bench_impl.h"
#include "benchmarks.h"

namespace {

// Takes --impl=PATH or --impl PATH out of argv; false on a missing PATH.
bool TakeImplFlag(int* argc, char** argv, std::string* path) {
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    if (std::strncmp(argv[i], "--impl=", 7) == 0) {
      *path = argv[i] + 7;
    } else if (std::strcmp(argv[i], "--impl") == 0) {
      if (i + 1 == *argc) return false;
      *path = argv[++i];
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  argv[out] = nullptr;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string impl, error;
  if (!TakeImplFlag(&argc, argv, &impl)) {
    std::fprintf(stderr, "dsalloc-bench: --impl needs a PATH.so\n");
    return 2;
  }
  if (!dsalloc::bench::SelectImpl(impl, &error)) {
    std::fprintf(stderr, "dsalloc-bench: %s\n", error.c_str());
    return 2;
  }
  dsalloc::bench::GstInit();
  // glibc takes cheaper paths in locks and atomics-heavy code while a
  // process has never started a thread; a pipeline always has, so every
  // measurement runs after one.
  std::thread([] {}).join();

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::AddCustomContext("dsalloc_impl", dsalloc::bench::SelectedImpl().name);
  dsalloc::bench::RegisterFloorBenchmarks();
  dsalloc::bench::RegisterCycleBenchmarks();
  dsalloc::bench::RegisterHandoffBenchmarks();
  dsalloc::bench::RegisterMemoryBenchmarks();
  dsalloc::bench::RegisterCheckerBenchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
