# Writes the C code between <!-- example:begin --> and <!-- example:end --> of
# a Markdown file (without the ``` fence lines) to another file.
#   cmake -DIN=docs/client.md -DOUT=example.c -P ExtractExample.cmake
file(READ ${IN} text)
string(FIND "${text}" "<!-- example:begin -->" begin)
string(FIND "${text}" "<!-- example:end -->" end)
if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
  message(FATAL_ERROR "${IN}: no <!-- example:begin --> ... <!-- example:end --> block")
endif()
math(EXPR len "${end} - ${begin}")
string(SUBSTRING "${text}" ${begin} ${len} block)
string(REGEX REPLACE "^<!-- example:begin -->[ \t\r\n]*```c[^\n]*\n" "" block "${block}")
string(REGEX REPLACE "```[ \t\r\n]*$" "" block "${block}")
file(WRITE ${OUT} "/* Extracted from ${IN} at build time: edit the doc, not this file. */\n${block}")
