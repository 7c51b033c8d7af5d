# mmfuzz_add_adapter(NAME SOURCES file.c... [LINK_LIBRARIES lib...])
#
# Builds an adapter two ways:
#   NAME.so     a plugin: mmfuzz fuzz --adapter ./NAME.so (runs in a
#               forked worker, so a crash or a hang is a finding)
#   NAME_fuzz   the adapter linked with the oracle into a fuzz target:
#               a libFuzzer target when the C compiler is clang, else a
#               replay driver that runs saved inputs (NAME_fuzz FILE|DIR)
# The sources must define mmf_adapter_entry() (see the template).
# Works in the mmfuzz tree and, through find_package(mmfuzz), outside it.
function(mmfuzz_add_adapter name)
  cmake_parse_arguments(A "" "" "SOURCES;LINK_LIBRARIES" ${ARGN})
  if(NOT A_SOURCES)
    message(FATAL_ERROR "mmfuzz_add_adapter(${name}): no SOURCES")
  endif()
  add_library(${name} MODULE ${A_SOURCES})
  target_link_libraries(${name} PRIVATE mmfuzz::headers ${A_LINK_LIBRARIES})
  set_target_properties(${name} PROPERTIES PREFIX "" C_STANDARD 11)

  add_executable(${name}_fuzz ${MMFUZZ_SDK_FUZZ_DIR}/target_adapter.c ${A_SOURCES})
  target_link_libraries(${name}_fuzz PRIVATE mmfuzz::core ${A_LINK_LIBRARIES})
  set_target_properties(${name}_fuzz PROPERTIES C_STANDARD 11)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    target_compile_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(${name}_fuzz PRIVATE ${MMFUZZ_SDK_FUZZ_DIR}/replay_driver.c)
  endif()
endfunction()
