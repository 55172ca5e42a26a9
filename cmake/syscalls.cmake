# SPDX-License-Identifier: Apache-2.0
# The syscall enum (number -> name, x86_64) from kernel headers: the compiler preprocesses
# <asm/unistd.h> and every "#define __NR_name N" becomes a value. No hand list.
# The table is bundled (templates/syscalls.yaml), made from the newest headers Debian has, so
# that a compiler built anywhere prints the same names (a Debian 12 build knew no syscall
# past 450 and printed numbers where a Debian 13 build printed names) and knows syscalls
# newer than its build machine's kernel. To make it again (Debian's newest linux-libc-dev
# unpacked in DIR: apt-get download linux-libc-dev; dpkg-deb -x linux-libc-dev_*.deb DIR):
#   cmake -DCC=cc -DSRC=. -DINCLUDE=DIR/usr/include/x86_64-linux-gnu:DIR/usr/include \
#         -DFROM="linux-libc-dev VERSION" -DOUT=templates/syscalls.yaml -P cmake/syscalls.cmake
# With -DCHECK=FILE instead of OUT it checks FILE against this machine's headers: every
# syscall they define must be in FILE with the same number (test unit.syscalls_table).
# In: CC (the C compiler), SRC (the source tree), INCLUDE (optional, ':'-separated include
# directories searched first), FROM (what the headers are, for the file's first line).
set(flags -E -dM -x c)
if(INCLUDE)
  string(REPLACE ":" ";" dirs "${INCLUDE}")
  foreach(d ${dirs})
    list(APPEND flags -isystem ${d})
  endforeach()
endif()
execute_process(
  COMMAND ${CC} ${flags} -
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
set(values "")
foreach(k ${keys})
  string(REGEX REPLACE "^0*([0-9]+):(.*)$" "\\1" num "${k}")
  string(REGEX REPLACE "^0*([0-9]+):(.*)$" "\\2" name "${k}")
  list(APPEND values "      - { value: ${num}, name: ${name}, c: __NR_${name}, text: \"${name}\" }")
endforeach()

if(CHECK)
  file(READ ${CHECK} bundled)
  set(missing "")
  foreach(v ${values})
    string(FIND "${bundled}" "${v}\n" at)
    if(at EQUAL -1)
      string(REGEX REPLACE "^.*name: ([a-z0-9_]+),.*$" "\\1" name "${v}")
      list(APPEND missing ${name})
    endif()
  endforeach()
  if(missing)
    message(FATAL_ERROR "this machine's <asm/unistd.h> has syscalls that ${CHECK} lacks or numbers otherwise: ${missing}\n"
                        "Make the table again from newer headers (cmake/syscalls.cmake says how).")
  endif()
  message(STATUS "${count} syscalls of this machine's <asm/unistd.h>: all in ${CHECK}")
  return()
endif()

set(out "# syscalls.yaml: made by cmake/syscalls.cmake from <asm/unistd.h> of ${FROM} (x86_64); do not edit.\n")
string(APPEND out "# The id of tracepoint:raw_syscalls:sys_enter/sys_exit, printed by name.\n")
string(APPEND out "enums:\n  syscall:\n    size: 8\n    values:\n")
foreach(v ${values})
  string(APPEND out "${v}\n")
endforeach()
file(WRITE ${OUT} "${out}")
