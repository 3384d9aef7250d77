/* luaout.c - the emitter's Lua text writer: line tracking, indentation and
 * spelling of Lua literals (see luaout.h). */
#include "luaout.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lo_init(LuaOut *o, Buf *b)
{
    o->b = b;
    o->line = 1;
    o->indent = 0;
    o->fresh = 1;
}

void lo_line(LuaOut *o, int line)
{
    while (o->line < line) {
        buf_putc(o->b, '\n');
        o->line++;
        o->fresh = 1;
    }
}

void lo_indent(LuaOut *o, int delta)
{
    o->indent += delta;
    if (o->indent < 0) o->indent = 0;
}

void lo_put(LuaOut *o, const char *s)
{
    if (!*s) return;
    if (o->fresh) {
        for (int i = 0; i < o->indent; i++) buf_puts(o->b, "  ");
        o->fresh = 0;
    } else if (o->b->len > 0 && o->b->data[o->b->len - 1] != ' ') {
        buf_putc(o->b, ' ');
    }
    /* A piece starting with '(' would otherwise continue the previous
     * expression as a call: `f() (g)()`. */
    if (s[0] == '(') buf_putc(o->b, ';');
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ') n--;
    buf_add(o->b, s, n);
}

void lo_putf(LuaOut *o, const char *fmt, ...)
{
    Buf tmp;
    buf_init(&tmp);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&tmp, fmt, ap);
    va_end(ap);
    lo_put(o, tmp.data ? tmp.data : "");
    buf_free(&tmp);
}

/* Length of a valid UTF-8 sequence starting at p (0 if invalid). */
static int utf8_seq_len(const unsigned char *p, size_t left)
{
    int n;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) n = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF) n = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4) n = 4;
    else return 0;
    if ((size_t)n > left) return 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return n;
}

void lua_quote(Buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c == '\n') {
            buf_puts(b, "\\n");
        } else if (c == '\t') {
            buf_puts(b, "\\t");
        } else if (c >= 0x20 && c < 0x7f) {
            buf_putc(b, (char)c);
        } else if (c >= 0x80 && utf8_seq_len(p + i, len - i)) {
            /* Valid UTF-8 stays readable in --emit-lua output. */
            int n = utf8_seq_len(p + i, len - i);
            buf_add(b, s + i, (size_t)n);
            i += (size_t)n - 1;
        } else {
            buf_printf(b, "\\%03u", (unsigned)c);
        }
    }
    buf_putc(b, '"');
}

void lua_number_int(Buf *b, int64_t v)
{
    if (v == INT64_MIN)
        buf_puts(b, "(-9223372036854775807 - 1)");  /* the literal alone reads as a float */
    else
        buf_printf(b, "%lld", (long long)v);
}

void lua_number_float(Buf *b, double v)
{
    if (isnan(v)) { buf_puts(b, "(0.0/0.0)"); return; }
    if (isinf(v)) { buf_puts(b, v > 0 ? "(1.0/0.0)" : "(-1.0/0.0)"); return; }
    char tmp[64];
    /* The shortest of %.15g..%.17g that reads back exactly. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    buf_puts(b, tmp);
    if (!strpbrk(tmp, ".eEn")) buf_puts(b, ".0");  /* 1 -> 1.0 so Lua reads a float */
}

static const char *const lua_keywords[] = {
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
    "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
    "true", "until", "while", NULL
};

int lua_is_keyword(const char *s)
{
    for (int i = 0; lua_keywords[i]; i++)
        if (strcmp(s, lua_keywords[i]) == 0) return 1;
    return 0;
}

int lua_name_reserved(const char *s)
{
    return lua_is_keyword(s) || strcmp(s, "_ENV") == 0 || strcmp(s, "aio") == 0 ||
           strncmp(s, "aio_", 4) == 0 || strcmp(s, "None") == 0;
}
