# Writes a C source holding a file's bytes, so a program serves it without
# reading anything at run time (the exporter's dashboard page).
#   cmake -DIN=page.html -DOUT=page.c -DNAME=rg_dashboard_html -P EmbedFile.cmake
# defines  const char NAME[] (NUL-terminated)  and  const unsigned long NAME_len.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* Generated from ${IN} at build time: edit that file, not this one. */\n"
                  "const char ${NAME}[] = {\n${body}0x00};\n"
                  "const unsigned long ${NAME}_len = ${bytes}ul;\n")
