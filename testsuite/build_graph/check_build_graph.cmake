# Checks, with ninja's view of the build graph (no build, no file touched),
# that a rebuild redoes what depends on a change:
#   MODE=images  every image (IMAGES: "archive|member|member..." per line) has
#                each member program's file as an input: relinking
#                drivers/serial/serial repacks every image holding it;
#   MODE=sim     building helios-sim (SIM) also builds the husk (HUSK) and
#                the default image (DEFAULT_IMAGE) it finds beside itself.
# A failure names the missing edge.
cmake_minimum_required(VERSION 3.25)

# Runs a ninja tool in BUILD_DIR; its output lines, as paths relative to BUILD_DIR.
function(ninja_lines out)
  execute_process(COMMAND ${NINJA} -C ${BUILD_DIR} -t ${ARGN}
    OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message("SKIP: ninja -t ${ARGN} failed here (${rc}): ${err}")
    cmake_language(EXIT 77)
  endif()
  string(REPLACE "\n" ";" lines "${text}")
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

function(relative out path)
  file(RELATIVE_PATH rel ${BUILD_DIR} ${path})
  set(${out} ${rel} PARENT_SCOPE)
endfunction()

set(failures 0)
if(MODE STREQUAL "images")
  file(STRINGS ${IMAGES} images)
  set(count 0)
  foreach(line IN LISTS images)
    string(REPLACE "|" ";" line "${line}")
    list(POP_FRONT line archive)
    relative(archive_rel ${archive})
    # "query" prints the path's inputs, each line indented.
    ninja_lines(query query ${archive_rel})
    set(inputs)
    set(in_inputs OFF)
    foreach(q IN LISTS query)
      if(q MATCHES "^  input:")
        set(in_inputs ON)
      elseif(q MATCHES "^  outputs:")
        set(in_inputs OFF)
      elseif(in_inputs)
        # "|| path" is order-only: built first, but its change redoes
        # nothing, which is just the bug this looks for. "| path" is implicit.
        string(STRIP "${q}" q)
        if(NOT q MATCHES "^\\|\\| ")
          string(REGEX REPLACE "^\\| " "" q "${q}")
          list(APPEND inputs ${q})
        endif()
      endif()
    endforeach()
    foreach(member IN LISTS line)
      relative(member_rel ${member})
      if(NOT member_rel IN_LIST inputs)
        message("FAIL: ${archive_rel} is not rebuilt when ${member_rel} changes (its inputs: ${inputs})")
        math(EXPR failures "${failures} + 1")
      endif()
    endforeach()
    math(EXPR count "${count} + 1")
  endforeach()
  if(count EQUAL 0)
    message(FATAL_ERROR "no images listed in ${IMAGES}")
  endif()
  message("checked ${count} images")
elseif(MODE STREQUAL "sim")
  relative(sim_rel ${SIM})
  relative(husk_rel ${HUSK})
  # "commands" lists every command building the target runs, transitively
  # (through phony targets too): the husk's link and the image's packing
  # must be among them.
  ninja_lines(commands commands ${sim_rel})
  string(JOIN "\n" text ${commands})
  string(FIND "${text}" "-o ${husk_rel}" at_husk)
  string(FIND "${text}" "tar cf ${DEFAULT_IMAGE}" at_image)
  if(at_husk EQUAL -1)
    message("FAIL: building ${sim_rel} does not link ${husk_rel}, which it finds beside itself at run time")
    math(EXPR failures "${failures} + 1")
  endif()
  if(at_image EQUAL -1)
    message("FAIL: building ${sim_rel} does not pack ${DEFAULT_IMAGE}, its default image")
    math(EXPR failures "${failures} + 1")
  endif()
else()
  message(FATAL_ERROR "MODE must be images or sim")
endif()
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} missing dependencies")
endif()
