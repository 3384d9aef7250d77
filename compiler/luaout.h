/* luaout.h - the line-tracking Lua text writer used by the emitter.
 *
 * All generated Lua goes through these functions so that (1) code for a source
 * line lands on the same output line (Lua's error lines are used directly as
 * .aio lines), (2) the output is indented by nesting, and (3) literals and
 * names are spelled the same way everywhere. The writer only ever moves
 * forward: asking for a line that is already passed continues on the current
 * line. */
#ifndef AIO_LUAOUT_H
#define AIO_LUAOUT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

typedef struct LuaOut {
    Buf *b;
    int line;       /* 1-based line the next character lands on */
    int indent;     /* nesting depth, 2 spaces per level */
    int fresh;      /* nothing written on the current line yet */
} LuaOut;

void lo_init(LuaOut *o, Buf *b);
/* Moves to output line `line` (no-op when already there or past it). */
void lo_line(LuaOut *o, int line);
/* Writes one piece of Lua that contains no newline; separates it from the
 * previous piece on the same line by a space. */
void lo_put(LuaOut *o, const char *s);
void lo_putf(LuaOut *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lo_indent(LuaOut *o, int delta);

/* Literal and name spelling (append to a Buf). */
void lua_quote(Buf *b, const char *s, size_t len);          /* "..." with \ddd escapes */
void lua_number_int(Buf *b, int64_t v);
void lua_number_float(Buf *b, double v);                     /* round-trips; always reads as a float */
int  lua_is_keyword(const char *s);
/* 1 if a user name must be renamed (Lua keyword, _ENV, aio, aio_*). */
int  lua_name_reserved(const char *s);

#endif
