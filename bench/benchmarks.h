// ---------------------------------------------------------------------------
// File: bench/benchmarks.h
// ---------------------------------------------------------------------------
//
// The benchmark families of dsalloc-bench, one Register function per file.
// Names are "<operation>/<pool>[/<parameter>]"; bench/table.py groups the
// results by operation, with one column per pool, so a new peer needs no
// change there. Pools: dsalloc (the selected implementation, bench_impl.h),
// ffmpeg, gstreamer; floors use "floor".
//
// Threading: call from main() before benchmark::RunSpecifiedBenchmarks.

#ifndef DSALLOC_BENCH_BENCHMARKS_H_
#define DSALLOC_BENCH_BENCHMARKS_H_

namespace dsalloc::bench {

void RegisterFloorBenchmarks();    // floor_bench.cpp: mutex and atomic floors
void RegisterCycleBenchmarks();    // cycle_bench.cpp: get + release, callback, contention
void RegisterHandoffBenchmarks();  // handoff_bench.cpp: two-thread hand-off, NOWAIT producer
void RegisterMemoryBenchmarks();   // memory_bench.cpp: bytes per sample and per pool
void RegisterCheckerBenchmarks();  // checker_bench.cpp: model steps, property cases

}  // namespace dsalloc::bench

#endif  // DSALLOC_BENCH_BENCHMARKS_H_
