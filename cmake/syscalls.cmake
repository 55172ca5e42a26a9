# SPDX-License-Identifier: Apache-2.0
# The syscall enum (number -> name) from the build machine's kernel headers: the compiler
# preprocesses <asm/unistd.h> and every "#define __NR_name N" becomes a value. No hand list,
# so names follow the headers the tool is built with (linux-libc-dev on Debian).
# In: CC (the C compiler), SRC (the source tree), OUT (the YAML file to write).
execute_process(
  COMMAND ${CC} -E -dM -x c -
  INPUT_FILE ${SRC}/cmake/syscalls_input.h
  OUTPUT_VARIABLE defines
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot preprocess <asm/unistd.h> with ${CC}: install the kernel headers (linux-libc-dev)")
endif()
string(REGEX MATCHALL "#define __NR_[a-z0-9_]+ [0-9]+" lines "${defines}")
list(LENGTH lines count)
if(count LESS 100)
  message(FATAL_ERROR "only ${count} syscalls in <asm/unistd.h>: are the kernel headers (linux-libc-dev) installed?")
endif()
# "000042:name" keys sort into number order.
set(keys "")
foreach(line ${lines})
  string(REGEX REPLACE "#define __NR_([a-z0-9_]+) ([0-9]+)" "\\2" num "${line}")
  string(REGEX REPLACE "#define __NR_([a-z0-9_]+) ([0-9]+)" "\\1" name "${line}")
  string(LENGTH "${num}" len)
  math(EXPR pad "6 - ${len}")
  string(REPEAT "0" ${pad} zeros)
  list(APPEND keys "${zeros}${num}:${name}")
endforeach()
list(SORT keys)
set(out "# syscalls.yaml: generated at build time by cmake/syscalls.cmake from <asm/unistd.h>; do not edit.\n")
string(APPEND out "# The id of tracepoint:raw_syscalls:sys_enter/sys_exit, printed by name.\n")
string(APPEND out "enums:\n  syscall:\n    size: 8\n    values:\n")
foreach(k ${keys})
  string(REGEX REPLACE "^0*([0-9]+):(.*)$" "\\1" num "${k}")
  string(REGEX REPLACE "^0*([0-9]+):(.*)$" "\\2" name "${k}")
  string(APPEND out "      - { value: ${num}, name: ${name}, c: __NR_${name}, text: \"${name}\" }\n")
endforeach()
file(WRITE ${OUT}.tmp "${out}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
