# User programs and boot images: helios_user_program() builds a static
# freestanding ELF that links the Mercury runtime; helios_image() packs user
# programs into a ustar archive (the initramfs).
include_guard(GLOBAL)

# Applies the user-program language and code-generation rules to target. The
# C++ flags are only for C++ sources (crt0.S gets -g and the include paths).
# -fno-sanitize=all (compile and link) keeps sanitizers out even when
# CMAKE_CXX_FLAGS or CMAKE_EXE_LINKER_FLAGS carry them: user programs run
# inside Helios, where no sanitizer runtime exists.
function(helios_user_target target)
  target_compile_options(${target} PRIVATE
    "$<$<COMPILE_LANGUAGE:CXX>:${HELIOS_USER_COMPILE_FLAGS};-fno-sanitize=all;-fcf-protection=none>"
    "$<$<COMPILE_LANGUAGE:ASM>:-g;-fno-sanitize=all>")
  target_include_directories(${target} PRIVATE
    ${CMAKE_SOURCE_DIR}/kernel_core/include
    ${CMAKE_SOURCE_DIR}/kernel_core
    ${CMAKE_SOURCE_DIR}/mercury/rt/include)
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE OFF
    INTERPROCEDURAL_OPTIMIZATION OFF
    CXX_EXTENSIONS OFF)
endfunction()

# helios_user_program(NAME SOURCES src... [LIBRARIES lib...])
#
# A static, freestanding, non-PIE ELF64 executable linked by mercury/rt/user.ld
# at 0x400000 with the Mercury runtime (crt0, start-up, syscalls, console) and
# kernel_core/lib's freestanding readers (ELF64, tar, strings, mem*). Defines
# `int main()`. The output is ${CMAKE_CURRENT_BINARY_DIR}/NAME. Registers the
# CTest test user_elf/NAME checking the ELF's shape (mercury/rt/check_user_elf.cmake).
function(helios_user_program name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "helios_user_program(${name}): no SOURCES")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  helios_user_target(${name})
  # Objects first (always linked: entry point, mem*, ABI symbols), then the
  # archives in dependency order, then libgcc for compiler helpers.
  target_link_libraries(${name} PRIVATE helios_rt_start helios_lib_user_mem ${ARG_LIBRARIES} helios_rt
    helios_lib_user gcc)
  target_link_options(${name} PRIVATE ${HELIOS_USER_LINK_FLAGS} -fno-sanitize=all)
  set_target_properties(${name} PROPERTIES
    LINK_DEPENDS ${CMAKE_SOURCE_DIR}/mercury/rt/user.ld
    HELIOS_USER_PROGRAM ON)
  if(CMAKE_READELF AND CMAKE_NM)
    add_test(NAME user_elf/${name}
      COMMAND ${CMAKE_COMMAND} -DELF=$<TARGET_FILE:${name}> -DREADELF=${CMAKE_READELF} -DNM=${CMAKE_NM}
              -P ${CMAKE_SOURCE_DIR}/mercury/rt/check_user_elf.cmake)
  endif()
endfunction()

# helios_image(NAME ENTRIES path=target ...)
#
# Packs user programs into ${CMAKE_BINARY_DIR}/image/NAME.tar (ustar headers:
# libarchive "paxr" writes plain ustar unless a member needs pax records), each
# target's ELF under its path, e.g.
#   helios_image(default ENTRIES init=init drivers/serial=serial)
# Builds as part of ALL through the custom target image_NAME, whose property
# HELIOS_IMAGE_FILE holds the archive's path. Member times are fixed so equal
# inputs give an identical archive.
function(helios_image name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "ENTRIES")
  if(NOT ARG_ENTRIES)
    message(FATAL_ERROR "helios_image(${name}): no ENTRIES")
  endif()
  set(stage ${CMAKE_BINARY_DIR}/image/${name}.d)
  set(archive ${CMAKE_BINARY_DIR}/image/${name}.tar)
  set(copy_commands)
  set(paths)
  set(deps)
  foreach(entry IN LISTS ARG_ENTRIES)
    if(NOT entry MATCHES "^([^=]+)=(.+)$")
      message(FATAL_ERROR "helios_image(${name}): entry '${entry}' is not path=target")
    endif()
    set(path ${CMAKE_MATCH_1})
    set(target ${CMAKE_MATCH_2})
    string(REGEX REPLACE "^(\\./|/)+" "" path "${path}")
    if(path MATCHES "(^|/)\\.\\.(/|$)" OR path STREQUAL "")
      message(FATAL_ERROR "helios_image(${name}): bad path '${path}'")
    endif()
    get_filename_component(dir "${path}" DIRECTORY)
    if(dir)
      list(APPEND copy_commands COMMAND ${CMAKE_COMMAND} -E make_directory ${stage}/${dir})
    endif()
    list(APPEND copy_commands COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:${target}> ${stage}/${path})
    list(APPEND paths ${path})
    # The target (built first) and its file (a changed program repacks the
    # image): testsuite/build_graph checks the build graph keeps both.
    list(APPEND deps ${target} $<TARGET_FILE:${target}>)
  endforeach()
  add_custom_command(
    OUTPUT ${archive}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${stage}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${stage}
    ${copy_commands}
    COMMAND ${CMAKE_COMMAND} -E chdir ${stage}
            ${CMAKE_COMMAND} -E tar cf ${archive} --format=paxr "--mtime=1970-01-01 00:00:00 UTC" -- ${paths}
    DEPENDS ${deps}
    COMMENT "Packing Helios image ${name}.tar"
    VERBATIM)
  add_custom_target(image_${name} ALL DEPENDS ${archive})
  set(members)
  foreach(entry IN LISTS ARG_ENTRIES)
    string(REGEX REPLACE "^[^=]+=" "" target "${entry}")
    list(APPEND members ${target})
  endforeach()
  set_target_properties(image_${name} PROPERTIES HELIOS_IMAGE_FILE ${archive}
    HELIOS_IMAGE_MEMBERS "${members}")
  set_property(GLOBAL APPEND PROPERTY HELIOS_IMAGES ${name})
endfunction()
