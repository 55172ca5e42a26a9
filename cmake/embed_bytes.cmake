# SPDX-License-Identifier: Apache-2.0
# embed_bytes(PATH NAME OUTVAR LENVAR): append to variable OUTVAR the C array NAME holding the
# bytes of file PATH and a NUL after them, and set LENVAR to their number. Shared by
# embed.cmake (the templates) and embed_recipes.cmake (the bundled recipes); a script, so no
# xxd is needed. (Parameter names begin with _eb_: a caller's variable of the same name as a
# parameter would be shadowed inside.)
function(embed_bytes _eb_path _eb_name _eb_outvar _eb_lenvar)
  file(READ ${_eb_path} _eb_hex HEX)
  string(LENGTH "${_eb_hex}" _eb_hexlen)
  math(EXPR _eb_n "${_eb_hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _eb_bytes "${_eb_hex}")
  set(${_eb_outvar} "${${_eb_outvar}}static const char ${_eb_name}[] = {${_eb_bytes}0};\n" PARENT_SCOPE)
  set(${_eb_lenvar} ${_eb_n} PARENT_SCOPE)
endfunction()
