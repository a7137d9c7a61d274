# A short libFuzzer campaign for CTest: copy the seed corpus to a scratch
# directory (the campaign adds to it), run for SECONDS with a fixed seed,
# and fail with the fuzzer's report when it finds something (the crashing
# input is left in WORK, named crash-*, to be kept under regressions/).
file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/corpus)
file(GLOB seeds ${CORPUS}/*)
if(seeds)
  file(COPY ${seeds} DESTINATION ${WORK}/corpus)
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
          ${FUZZER} -max_total_time=${SECONDS} -seed=1 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${WORK}/ ${WORK}/corpus
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out ERROR_VARIABLE out)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${out}")
string(REGEX MATCH "cov: *[0-9]+" cov "${out}")
message("${FUZZER}: ${runs}, ${cov} after ${SECONDS} s")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the fuzzer found something (exit ${status}):\n${out}")
endif()
