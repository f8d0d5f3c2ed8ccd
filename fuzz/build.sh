#!/bin/bash -eu
# fuzz/build.sh: builds the fuzz targets the way OSS-Fuzz and
# ClusterFuzzLite expect (https://google.github.io/oss-fuzz/getting-started/
# new-project-guide/): with the compiler and flags they pass in $CC $CXX
# $CFLAGS $CXXFLAGS (sanitizer and coverage flags included), linked with
# $LIB_FUZZING_ENGINE, into $OUT, each with its dictionary
# (<target>_fuzzer.dict), options (<target>_fuzzer.options) and seed corpus
# (<target>_fuzzer_seed_corpus.zip: fuzz/corpus/<target>/ and
# fuzz/regressions/<target>/). The same targets run unchanged on a cluster.
#
#   OUT=/tmp/out CXX=clang++ CXXFLAGS="-fsanitize=address,fuzzer-no-link" \
#     LIB_FUZZING_ENGINE=-fsanitize=fuzzer fuzz/build.sh
root=$(cd "$(dirname "$0")/.." && pwd)
: "${OUT:?set OUT to the output directory}"
CXX=${CXX:-clang++}
CXXFLAGS=${CXXFLAGS:-}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
build=${WORK:-${TMPDIR:-/tmp}}/dsalloc-fuzz-build
targets=(differential concurrent trace)
mkdir -p "$OUT"

# The cluster's flags already instrument everything (DSALLOC_FUZZ_INSTRUMENT
# off) and choose the sanitizer (DSALLOC_SANITIZE empty). Warnings are not
# errors here: the cluster's compiler may be newer than ours.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DDSALLOC_BUILD_FUZZERS=ON -DDSALLOC_FUZZ_INSTRUMENT=OFF \
  -DDSALLOC_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" -DDSALLOC_SANITIZE= \
  -DDSALLOC_BUILD_TESTS=ON -DDSALLOC_BUILD_EXAMPLES=OFF -DDSALLOC_WERROR=OFF
cmake --build "$build" --target "${targets[@]/%/_fuzzer}"

for target in "${targets[@]}"; do
  name=${target}_fuzzer
  cp "$build/fuzzers/$name" "$OUT/$name"
  cp "$root/fuzz/$target.dict" "$OUT/$name.dict"
  cp "$root/fuzz/$target.options" "$OUT/$name.options"
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$root/fuzz" && find "corpus/$target" "regressions/$target" -type f ! -name '.*' \
    | zip -q -j "$OUT/${name}_seed_corpus.zip" -@)
done
