#!/bin/bash -eu
# Builds the fuzz targets the way OSS-Fuzz and ClusterFuzzLite expect: with
# the builder's $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizer and coverage flags
# included) and $LIB_FUZZING_ENGINE, into $OUT, each target with its seed
# corpus (the corpus and the regression inputs) as TARGET_seed_corpus.zip.
# $SRC holds the checkout (helios-sim/); $WORK is scratch. docs/fuzzing.md.
src=${SRC:?}/helios-sim
build=${WORK:?}/helios-build
cmake -S "$src" -B "$build" -G Ninja \
  -DHELIOS_TARGET=fuzz -DHELIOS_FUZZ_INSTRUMENT=OFF -DHELIOS_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="$CXXFLAGS"
cmake --build "$build" -j"$(nproc)"
for corpus in "$src"/testsuite/fuzz/corpus/*/; do
  target=$(basename "$corpus")
  cp "$build/testsuite/fuzz/$target" "$OUT/"
  seeds=("$corpus"*)
  [ -d "$src/testsuite/fuzz/regressions/$target" ] && seeds+=("$src/testsuite/fuzz/regressions/$target/"*)
  zip -q -j "$OUT/${target}_seed_corpus.zip" "${seeds[@]}"
done
