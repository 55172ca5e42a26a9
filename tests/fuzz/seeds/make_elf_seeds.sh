#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ELF seeds of fuzz_elf_notes and fuzz_dwarf_layout, built into OUTDIR from elf/probes.c
# and the stand-in's source (tests/target/standin.c) in the shapes ovstrace meets: an
# object file; executables with DWARF 2, 4 and 5, compressed debug sections (SHF_COMPRESSED
# and the older .zdebug_*), no build-id; stripped of their debug info or of everything,
# with a .gnu_debuglink, with no section headers at all (notes only through PT_NOTE).
# Paths are mapped to '.' so that the bytes do not depend on where the tree is checked out.
#   make_elf_seeds.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)    # absolute: the builds run in a directory of their own
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/elf/probes.c" "$top/tests/target/standin.c" "$top/tests/target/ovs_layouts.h" "$work/"
cd "$work"
cc() { gcc -ffile-prefix-map="$work"=. -fno-ident "$@"; }

cc -O2 -g -c probes.c -o "$out/probes.o"
cc -O2 -g probes.c -o "$out/probes-dwarf5"
cc -O0 -gdwarf-4 probes.c -o "$out/probes-dwarf4"
cc -O1 -gdwarf-2 -gstrict-dwarf probes.c -o "$out/probes-dwarf2"
cc -O2 -g -gz=zlib probes.c -o "$out/probes-gz"
objcopy --compress-debug-sections=zlib-gnu "$out/probes-dwarf5" "$out/probes-zdebug"
cc -O2 -g -Wl,--build-id=none probes.c -o "$out/probes-no-build-id"
strip --strip-debug -o "$out/probes-strip-debug" "$out/probes-dwarf5"
strip --strip-all -o "$out/probes-strip-all" "$out/probes-dwarf5"
objcopy --add-gnu-debuglink="$out/probes-dwarf5" "$out/probes-strip-debug" "$out/probes-debuglink"
# No section headers (as after sstrip): e_shoff (8 bytes at 0x28), e_shnum (2 at 0x3c) and
# e_shstrndx (2 at 0x3e) zeroed.
cp "$out/probes-strip-all" "$out/probes-no-sections"
dd if=/dev/zero of="$out/probes-no-sections" bs=1 seek=$((0x28)) count=8 conv=notrunc status=none
dd if=/dev/zero of="$out/probes-no-sections" bs=1 seek=$((0x3c)) count=4 conv=notrunc status=none
# The stand-in as tests/target/CMakeLists.txt builds it.
cc -O2 -g -fno-omit-frame-pointer -pthread standin.c -o "$out/standin"
strip --strip-debug -o "$out/standin-strip-debug" "$out/standin"
strip --strip-all -o "$out/standin-strip-all" "$out/standin"
