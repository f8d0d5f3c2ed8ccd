#!/usr/bin/env python3
"""Prints dsalloc-bench's results as one table: operation, dsalloc, each peer,
and dsalloc's ratio to each peer; then the floors, the goals of issue 11 and
the checkers' speed.

  bench/table.py RESULTS.json [MORE.json ...] [--conform-seconds S] [--fuzz-logs DIR]

Each RESULTS.json is Google Benchmark's --benchmark_out (JSON), best run with
--benchmark_repetitions and --benchmark_report_aggregates_only: the table shows
medians, and the spread (cv, the standard deviation over the mean) beside
them, so a noisy machine shows as such. Names are "<operation>/<pool>[/...]"
(bench/benchmarks.h).
"""

import argparse
import json
import re
import sys

POOLS = ["dsalloc", "ffmpeg", "gstreamer"]
PEERS = POOLS[1:]


def load(paths):
    """{(operation, pool, variant): {"median": bench, "cv": bench}}, context."""
    results, context = {}, {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        context.update(data.get("context", {}))
        for bench in data["benchmarks"]:
            name = bench.get("run_name", bench["name"])
            parts = name.split("/")
            operation, pool = parts[0], parts[1]
            variant = "/".join(p for p in parts[2:] if not re.match(r"(real_time|threads:|iterations:)", p))
            kind = bench.get("aggregate_name", "median")  # a single run is its own median
            results.setdefault((operation, pool, variant), {})[kind] = bench
    return results, context


def ns(bench):
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[bench["time_unit"]]
    return bench["real_time"] * scale


def spread(entry):
    cv = entry.get("cv")
    return f" ±{100 * cv['real_time']:.0f}%" if cv else ""


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "ns" and value >= 1e6:
        return f"{value / 1e6:.1f} ms"
    if unit == "ns" and value >= 10000:
        return f"{value / 1000:.1f} µs"
    if unit == "/s":
        for div, suffix in ((1e6, "M/s"), (1e3, "k/s")):
            if value >= div:
                return f"{value / div:.2f} {suffix}"
        return f"{value:.0f}/s"
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def row(cells):
    return "| " + " | ".join(cells) + " |"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results", nargs="+")
    parser.add_argument("--conform-seconds", type=float)
    parser.add_argument("--fuzz-logs", help="folder of tools/run-fuzz.sh's fuzz-<target>.log")
    args = parser.parse_args()
    results, context = load(args.results)

    def get(operation, pool, variant="", value="time"):
        entry = results.get((operation, pool, variant))
        if not entry or "median" not in entry:
            return None, ""
        bench = entry["median"]
        if bench.get("error_occurred"):
            return None, " (error)"
        if value == "time":
            per_thread = operation in ("contention", "floor_two_mutex_pairs_contended")
            return ns(bench) * (bench.get("threads", 1) if per_thread else 1), spread(entry)
        return bench.get(value), ""

    print(f"dsalloc: {context.get('dsalloc_impl', '?')}")
    print(f"machine: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs at "
          f"{context.get('mhz_per_cpu', '?')} MHz, load average {context.get('load_avg', '?')}")
    print("median of the repetitions, ±cv (run-to-run spread); ratio = dsalloc / peer, "
          "below 1 is dsalloc faster\n")

    header = ["operation"] + POOLS + [f"÷ {p}" for p in PEERS]
    print(row(header))
    print(row(["---"] * len(header)))
    timed = [
        ("cycle", "", "get + release, one thread"),
        ("cycle_callback", "", "get + release, NotifyRelease installed"),
        ("contention", "", "get + release, 2 threads on one pool (per thread)"),
        ("handoff", "buffers:1", "hand-off to a blocked producer, 1 buffer (per buffer)"),
        ("handoff", "buffers:4", "hand-off, 4 buffers (per buffer)"),
        ("handoff_nowait_notify", "buffers:1", "NOWAIT + NotifyRelease producer, 1 buffer"),
        ("handoff_nowait_notify", "buffers:4", "NOWAIT + NotifyRelease producer, 4 buffers"),
    ]
    for operation, variant, label in timed:
        values = {p: get(operation, p, variant) for p in POOLS}
        if all(v[0] is None for v in values.values()):
            continue
        cells = [label] + [fmt(values[p][0], "ns") + values[p][1] for p in POOLS]
        for peer in PEERS:
            a, b = values["dsalloc"][0], values[peer][0]
            cells.append(f"{a / b:.2f}" if a and b else "-")
        print(row(cells))
    for variant in ("buffers:1", "buffers:4"):
        for operation in ("handoff", "handoff_nowait_notify"):
            values = {p: [get(operation, p, variant, c)[0] for c in
                          ("wake_p50_ns", "wake_p99_ns", "wake_max_ns")] for p in POOLS}
            if all(v[0] is None for v in values.values()):
                continue
            label = f"{operation} {variant}: wake-up p50 / p99 / max"
            cells = [label] + [" / ".join(fmt(x, "ns") for x in values[p]) if values[p][0] is not None
                               else "-" for p in POOLS]
            for peer in PEERS:
                a, b = values["dsalloc"][0], values[peer][0]
                cells.append(f"{a / b:.2f} (p50)" if a and b else "-")
            print(row(cells))
    for counter, label in (("bytes_per_buffer", "memory: bytes per buffer beyond its payload"),
                           ("bytes_per_pool", "memory: bytes per pool")):
        values = {p: get("memory", p, "", counter)[0] for p in POOLS}
        if all(v is None for v in values.values()):
            continue
        cells = [label] + [fmt(values[p], "B") for p in POOLS] + ["-"] * len(PEERS)
        print(row(cells))

    print("\nfloors (same process, after a thread was started)")
    floors = {}
    for operation, label in (("floor_mutex_pair", "one uncontended mutex lock/unlock pair"),
                             ("floor_two_mutex_pairs", "two mutex pairs"),
                             ("floor_two_mutex_pairs_contended",
                              "two mutex pairs, 2 threads on the same two mutexes (per thread)"),
                             ("floor_atomic_rmw_pair", "two atomic read-modify-writes")):
        value, noise = get(operation, "floor")
        floors[operation] = value
        print(f"  {label}: {fmt(value, 'ns')}{noise}")

    cycle = get("cycle", "dsalloc")[0]
    callback = get("cycle_callback", "dsalloc")[0]
    contention = get("contention", "dsalloc")[0]
    print("\ngoals (issue 11)")

    def goal(text, value, limit, bigger_is_better=False):
        if value is None:
            print(f"  {text}: not measured")
            return
        met = value >= limit if bigger_is_better else value <= limit
        print(f"  {text}: {value:.2f} (goal {'≥' if bigger_is_better else '≤'} {limit}) "
              f"{'met' if met else 'NOT met'}")

    for peer in PEERS:
        peer_cycle = get("cycle", peer)[0]
        goal(f"cycle ÷ {peer} cycle", cycle / peer_cycle if cycle and peer_cycle else None, 0.25)
    two = floors.get("floor_two_mutex_pairs")
    goal("cycle ÷ two mutex pairs", cycle / two if cycle and two else None, 1.3)
    goal("cycle with callback ÷ cycle", callback / cycle if callback and cycle else None, 1.10)
    for variant in ("buffers:1", "buffers:4"):
        ours = get("handoff", "dsalloc", variant, "items_per_second")[0]
        theirs = get("handoff", "gstreamer", variant, "items_per_second")[0]
        goal(f"hand-off throughput ÷ GStreamer's ({variant})",
             ours / theirs if ours and theirs else None, 1.0, bigger_is_better=True)
    goal("contention per-thread cycle ÷ single-thread cycle",
         contention / cycle if contention and cycle else None, 3.0)
    contended = floors.get("floor_two_mutex_pairs_contended")
    if contended and two:
        print(f"    (the contended floor: two mutex pairs on 2 threads ÷ uncontended: "
              f"{contended / two:.2f}; dsalloc's contention ÷ that floor: "
              f"{contention / contended:.2f})" if contention else "")

    print("\ncheckers")
    for operation, label in (("model_step_in_place", "model steps/s, StepStrict in place"),
                             ("model_step_strict", "model steps/s, Step(strict)"),
                             ("model_step_portable", "model steps/s, Step(portable)"),
                             ("props_sequential_strict", "sequential property cases/s (strict)")):
        value = get(operation, "dsalloc", "", "items_per_second")[0]
        print(f"  {label}: {fmt(value, '/s')}{get(operation, 'dsalloc')[1]}")
    if args.conform_seconds is not None:
        print(f"  dsalloc-conform wall time (whole kit, strict): {args.conform_seconds:.1f} s")
    # The fuzzers run under ASan+UBSan with libFuzzer (tools/run-fuzz.sh),
    # not in this process: their last logs, if any, give execs/s.
    fuzz_logs = args.fuzz_logs or ""
    shown = False
    for target in ("differential", "concurrent", "trace"):
        log = f"{fuzz_logs}/fuzz-{target}.log"
        try:
            with open(log, errors="replace") as f:
                found = re.findall(r"stat::average_exec_per_sec:\s+(\d+)", f.read())
        except OSError:
            continue
        if found:
            print(f"  fuzz execs/s, {target} (last tools/run-fuzz.sh run, ASan+UBSan): {found[-1]}")
            shown = True
    if not shown:
        print("  fuzz execs/s: run tools/run-fuzz.sh first (its logs in build/fuzz/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
