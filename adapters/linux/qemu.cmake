# One agent per qemu-user target, cross-built when Debian's cross compiler
# is there (ci/setup installs it) and run by a two-line wrapper under
# qemu-<arch>-static. A missing compiler leaves the target out, with a note.
function(mmfuzz_qemu_agent arch triple qemu anchor)
  find_program(MMFUZZ_CC_${arch} ${triple}-gcc)
  if(NOT MMFUZZ_CC_${arch})
    message(STATUS "mmfuzz: no ${triple}-gcc, agent qemu-${arch} not built (ci/setup installs it)")
    return()
  endif()
  # the compiler alone is not enough: its C library comes in another package
  set(probe ${CMAKE_CURRENT_BINARY_DIR}/cross-probe-${arch})
  file(WRITE ${probe}.c "#include <stdio.h>\n#include <sys/mman.h>\nint main(void) { return puts(\"\") < 0; }\n")
  execute_process(COMMAND ${MMFUZZ_CC_${arch}} ${probe}.c -o ${probe} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(STATUS "mmfuzz: ${triple}-gcc cannot build a program (no C library for it?), agent qemu-${arch} not built (ci/setup installs it)")
    return()
  endif()
  find_program(MMFUZZ_QEMU_${arch} ${qemu})
  if(NOT MMFUZZ_QEMU_${arch})
    message(STATUS "mmfuzz: no ${qemu}, agent qemu-${arch} not built (ci/setup installs it)")
    return()
  endif()
  set(bin ${MMFUZZ_AGENT_DIR}/qemu/mmfuzz-agent-linux.${arch})
  # the heap's anchor, one page below window page 1024 (linux.c)
  set(anchor_opt -Wl,--section-start=.lxbrk=${anchor})
  set(known ${CMAKE_CURRENT_SOURCE_DIR}/known-qemu-${arch}.h)
  add_custom_command(OUTPUT ${bin}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MMFUZZ_AGENT_DIR}/qemu
    COMMAND ${MMFUZZ_CC_${arch}} -std=gnu11 -O2 -fno-pie -no-pie -Wall -Wextra
      -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}
      -DLX_QEMU -DLX_NAME=\"qemu_${arch}\" "-DLX_DESCRIPTION=\"Linux user-mode emulation: qemu-${arch}-static\""
      -include ${known} ${anchor_opt}
      -o ${bin} ${lx_sources}
    DEPENDS ${lx_sources} ${known} ${CMAKE_CURRENT_SOURCE_DIR}/known-qemu.h ${CMAKE_CURRENT_SOURCE_DIR}/task.h
      ${PROJECT_SOURCE_DIR}/include/mmfuzz/wire.h ${PROJECT_SOURCE_DIR}/include/mmfuzz/adapter.def ${PROJECT_SOURCE_DIR}/include/mmfuzz/ops.def ${PROJECT_SOURCE_DIR}/include/mmfuzz/adapter.h
    COMMENT "Cross-building the qemu-${arch} agent"
    VERBATIM)
  set(wrapper ${MMFUZZ_AGENT_DIR}/mmfuzz-agent-qemu-${arch})
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/mmfuzz-agent-qemu-${arch}
    "#!/bin/sh\n# mmfuzz's qemu-${arch} agent: the Linux agent cross-built, run under QEMU user mode.\n"
    "exec ${qemu} -L /usr/${triple} \"$(dirname \"$0\")/qemu/mmfuzz-agent-linux.${arch}\" \"$@\"\n")
  file(COPY ${CMAKE_CURRENT_BINARY_DIR}/mmfuzz-agent-qemu-${arch} DESTINATION ${MMFUZZ_AGENT_DIR}
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  add_custom_target(mmfuzz-agent-qemu-${arch} ALL DEPENDS ${bin})
  install(PROGRAMS ${wrapper} DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/mmfuzz)
  install(PROGRAMS ${bin} DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/mmfuzz/qemu)
endfunction()

# name, Debian cross triple, emulator, the heap's anchor (window 0x08000000
# + 1023 pages, of 8 KiB on sparc64)
mmfuzz_qemu_agent(aarch64 aarch64-linux-gnu qemu-aarch64-static 0x083ff000)
mmfuzz_qemu_agent(arm arm-linux-gnueabihf qemu-arm-static 0x083ff000)
mmfuzz_qemu_agent(sparc64 sparc64-linux-gnu qemu-sparc64-static 0x087fe000)
