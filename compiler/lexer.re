/* lexer.re - the tokenizer (see lexer.h). re2c turns the rules in lex_scan
 * into a DFA; indentation, string bodies and number values are plain C.
 * Owns: token kinds and positions, INDENT/DEDENT bookkeeping, bracket
 * nesting, string escape decoding, and the lexical error messages. */
#include "lexer.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const lex_keywords[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break",
    "class", "continue", "def", "del", "elif", "else", "except", "finally",
    "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
};

static const char *const lex_opnames[] = {
    "(", ")", "[", "]", "{", "}", ":", ",", ";", ".", "...", "->", ":=", "@",
    "+", "-", "*", "/", "//", "%", "**", "|", "&", "^", "~", "<<", ">>",
    "<", ">", "==", "!=", "<=", ">=", "=",
    "+=", "-=", "*=", "/=", "//=", "%=", "**=", "|=", "&=", "^=", "<<=", ">>=", "@=",
};

const char *lex_token_name(TokKind k)
{
    switch (k) {
    case T_EOF: return "end of file";
    case T_ERROR: return "error";
    case T_NEWLINE: return "newline";
    case T_INDENT: return "indent";
    case T_DEDENT: return "dedent";
    case T_NAME: return "name";
    case T_INT: case T_FLOAT: return "number";
    case T_STRING: return "string";
    default: break;
    }
    if (k >= T_FALSE && k <= T_YIELD) return lex_keywords[k - T_FALSE];
    if (k >= T_LPAR && k < T_COUNT) return lex_opnames[k - T_LPAR];
    return "?";
}

void lex_report(Diag *d, LexGate *g, int line, int col, const char *fmt, ...)
{
    if (g->quiet || line == g->err_line) return;
    g->err_line = line;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(d, line, col, "%s", msg);
}

static int lex_col(const Lexer *lx, const unsigned char *p)
{
    return (int)(p - lx->line_start) + 1 + lx->coloff;
}

/* Moves the line bookkeeping past a newline that ends just before p. */
static void lex_newline_at(Lexer *lx, const unsigned char *p)
{
    lx->line++;
    lx->line_start = p;
    lx->coloff = 0;
}

static void lex_error(Lexer *lx, const unsigned char *at, const char *msg)
{
    lex_report(lx->diag, lx->gate, lx->line, lex_col(lx, at), "%s", msg);
}

static void lex_common_init(Lexer *lx, Arena *a, Diag *d, LexGate *g, const char *src, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->arena = a;
    lx->diag = d;
    lx->gate = g;
    char *copy = arena_strndup(a, src, len);
    lx->cur = (const unsigned char *)copy;
    lx->lim = lx->cur + len;
    lx->line_start = lx->cur;
    lx->line = 1;
    lx->nind = 1;
}

void lex_init(Lexer *lx, Arena *a, Diag *d, LexGate *g, const char *src, size_t len)
{
    lex_common_init(lx, a, d, g, src, len);
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 BOM */
        lx->cur += 3;
        lx->line_start = lx->cur;
    }
    lx->bol = 1;
}

void lex_init_field(Lexer *lx, Arena *a, Diag *d, LexGate *g, const char *s, size_t n,
                    int line, int col)
{
    lex_common_init(lx, a, d, g, s, n);
    lx->line = line;
    lx->coloff = col - 1;
    lx->field = 1;
}

void lex_drop_brackets(Lexer *lx) { lx->depth = 0; }

static void lex_tok(Lexer *lx, Token *t, TokKind k)
{
    t->kind = k;
    t->line = lx->line;
    t->col = lex_col(lx, lx->tok);
    t->end_line = lx->line;
}

/* ---- indentation ---- */

/* Measures the indentation of a new logical line at lx->cur. Blank and
 * comment-only lines are left to the scanner, which skips them. Sets
 * lx->pending to the INDENT/DEDENT count. */
static void lex_indent(Lexer *lx)
{
    const unsigned char *p = lx->cur;
    int col = 0, alt = 0;
    for (;; p++) {
        if (*p == ' ') col++, alt++;
        else if (*p == '\t') col = (col / 8 + 1) * 8, alt++;
        else if (*p == '\f') col = alt = 0;
        else break;
    }
    if (*p == '#' || *p == '\n' || *p == '\r' || (*p == 0 && p >= lx->lim)) return;
    if (*p == '\\' && (p[1] == '\n' || p[1] == '\r')) return;
    int top = lx->ind[lx->nind - 1], alttop = lx->altind[lx->nind - 1];
    const char *tab_msg = "inconsistent use of tabs and spaces in indentation";
    if (col == top) {
        if (alt != alttop) lex_error(lx, p, tab_msg);
    } else if (col > top) {
        if (alt <= alttop) lex_error(lx, p, tab_msg);
        if (lx->nind == LEX_MAXINDENT) {
            lex_error(lx, p, "too many levels of indentation");
            return;
        }
        lx->ind[lx->nind] = col;
        lx->altind[lx->nind] = alt;
        lx->nind++;
        lx->pending = 1;
    } else {
        int n = 0;
        while (lx->nind > 1 && col < lx->ind[lx->nind - 1]) lx->nind--, n++;
        if (col != lx->ind[lx->nind - 1])
            lex_error(lx, p, "unindent does not match any outer indentation level");
        else if (alt != lx->altind[lx->nind - 1])
            lex_error(lx, p, tab_msg);
        lx->pending = -n;
    }
}

/* ---- numbers ---- */

/* Copies the digits of [s, e) without underscores into buf. */
static void lex_digits(const unsigned char *s, const unsigned char *e, char *buf, size_t cap)
{
    size_t n = 0;
    for (; s < e && n + 1 < cap; s++)
        if (*s != '_') buf[n++] = (char)*s;
    buf[n] = 0;
}

static int lex_is_idchar(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c >= 0x80;
}

/* A number may be followed directly by a keyword (1if x else 2), never by
 * other identifier characters. kind: 'd' decimal/float, 'x', 'o', 'b'.
 * Errors point where CPython points: at a stray '_' or bad digit, else at
 * the number. */
static int lex_number_end(Lexer *lx, int kind)
{
    const unsigned char *p = lx->cur, *at = lx->tok;
    if (!lex_is_idchar(*p)) return 1;
    static const char *const ok[] = {"and", "else", "for", "if", "in", "is", "not", "or"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strncmp((const char *)p, ok[i], strlen(ok[i])) == 0) return 1;
    char msg[80];
    const unsigned char *start = lx->tok;
    if (kind == 'd' && lx->cur - start == 1 && *start == '0' &&
        (*p == 'x' || *p == 'X' || *p == 'o' || *p == 'O' || *p == 'b' || *p == 'B')) {
        char k = (char)(*p | 0x20);
        kind = k == 'x' ? 'x' : k;
        at = p++;
    }
    if (*p == '_') at = p;
    if ((kind == 'o' || kind == 'b') && *p >= '0' && *p <= '9') {
        snprintf(msg, sizeof msg, "invalid digit '%c' in %s literal", *p,
                 kind == 'o' ? "octal" : "binary");
        lex_error(lx, p, msg);
        return 0;
    }
    if (kind == 'd' && (*p == 'j' || *p == 'J')) {
        lex_error(lx, start, "complex numbers are not supported");
        return 0;
    }
    lex_error(lx, at, kind == 'x' ? "invalid hexadecimal literal"
                      : kind == 'o' ? "invalid octal literal"
                      : kind == 'b' ? "invalid binary literal" : "invalid decimal literal");
    return 0;
}

static void lex_int(Lexer *lx, Token *t, int base, int skip)
{
    char buf[128];
    lex_tok(lx, t, T_INT);
    if (!lex_number_end(lx, base == 16 ? 'x' : base == 8 ? 'o' : base == 2 ? 'b' : 'd')) {
        t->kind = T_ERROR;
        return;
    }
    lex_digits(lx->tok + skip, lx->cur, buf, sizeof buf);
    errno = 0;
    t->uval = strtoull(buf, NULL, base);
    if (errno == ERANGE || lx->cur - lx->tok > 120) t->overflow = 1;
}

static void lex_float(Lexer *lx, Token *t)
{
    char buf[512];
    lex_tok(lx, t, T_FLOAT);
    if (!lex_number_end(lx, 'd')) {
        t->kind = T_ERROR;
        return;
    }
    lex_digits(lx->tok, lx->cur, buf, sizeof buf);
    t->fval = strtod(buf, NULL);
}

/* ---- strings ---- */

static void lex_put_utf8(char **o, unsigned long cp)
{
    unsigned char *p = (unsigned char *)*o;
    if (cp < 0x80) *p++ = (unsigned char)cp;
    else if (cp < 0x800) {
        *p++ = (unsigned char)(0xC0 | (cp >> 6));
        *p++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *p++ = (unsigned char)(0xE0 | (cp >> 12));
        *p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *p++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *p++ = (unsigned char)(0xF0 | (cp >> 18));
        *p++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *p++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *o = (char *)p;
}

static int lex_hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads exactly `want` hex digits at s[i..]; returns the value or -1. */
static long lex_hexrun(const char *s, size_t n, size_t i, int want)
{
    long v = 0;
    for (int k = 0; k < want; k++) {
        if (i + (size_t)k >= n || lex_hexval((unsigned char)s[i + k]) < 0) return -1;
        v = v * 16 + lex_hexval((unsigned char)s[i + k]);
    }
    return v;
}

long lex_unescape(const char *s, size_t n, int bytes, char *out, Diag *d, LexGate *g,
                  int line, int col)
{
    char *o = out;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 >= n) {
            *o++ = c;
            continue;
        }
        char e = s[++i];
        switch (e) {
        case '\n': break;                       /* line continuation inside the string */
        case '\r': if (i + 1 < n && s[i + 1] == '\n') i++; break;
        case '\\': *o++ = '\\'; break;
        case '\'': *o++ = '\''; break;
        case '"': *o++ = '"'; break;
        case 'a': *o++ = '\a'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'v': *o++ = '\v'; break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            unsigned long v = 0;
            int k = 0;
            while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7') v = v * 8 + (unsigned long)(s[i++] - '0'), k++;
            i--;
            if (bytes) *o++ = (char)(v & 0xFF);
            else lex_put_utf8(&o, v);
            break;
        }
        case 'x': {
            long v = lex_hexrun(s, n, i + 1, 2);
            if (v < 0) {
                lex_report(d, g, line, col, bytes ? "(value error) invalid \\x escape at position %zu"
                           : "(unicode error) 'unicodeescape' codec can't decode bytes in position %zu-%zu: truncated \\xXX escape",
                           i - 1, i);
                return -1;
            }
            i += 2;
            if (bytes) *o++ = (char)v;
            else lex_put_utf8(&o, (unsigned long)v);
            break;
        }
        case 'u': case 'U': {
            if (bytes) {
                *o++ = '\\';
                *o++ = e;
                break;
            }
            int want = e == 'u' ? 4 : 8;
            long v = lex_hexrun(s, n, i + 1, want);
            if (v < 0 || v > 0x10FFFF) {
                if (v < 0)
                    lex_report(d, g, line, col, "(unicode error) 'unicodeescape' codec can't decode bytes in position %zu-%zu: truncated \\%cXXXX%s escape",
                               i - 1, i, e, e == 'U' ? "XXXX" : "");
                else
                    lex_report(d, g, line, col, "(unicode error) 'unicodeescape' codec can't decode bytes in position %zu-%zu: illegal Unicode character",
                               i - 1, i + (size_t)want);
                return -1;
            }
            i += (size_t)want;
            lex_put_utf8(&o, (unsigned long)v);
            break;
        }
        case 'N':
            if (!bytes) {
                lex_report(d, g, line, col, "\\N{...} escapes are not supported");
                return -1;
            }
            /* fall through */
        default:                                /* unknown escapes stay as written */
            *o++ = '\\';
            *o++ = e;
            break;
        }
    }
    return (long)(o - out);
}

/* Scans a string literal whose prefix and opening quote(s) were matched
 * (lx->tok .. lx->cur). */
static void lex_string(Lexer *lx, Token *t, int triple)
{
    lex_tok(lx, t, T_STRING);
    unsigned char q = lx->cur[-1];
    for (const unsigned char *p = lx->tok; p < lx->cur - (triple ? 3 : 1); p++) {
        unsigned char c = (unsigned char)(*p | 0x20);
        if (c == 'b') t->is_bytes = 1;
        else if (c == 'r') t->is_raw = 1;
        else if (c == 'f') t->is_fstr = 1;
    }
    const unsigned char *body = lx->cur, *p = lx->cur;
    int body_line = lx->line, body_col = lex_col(lx, body);
    for (;;) {
        if (*p == 0 && p >= lx->lim) {
            int at = lx->line;
            if (triple && p > body && p[-1] == '\n' && at > t->line) at--;
            lex_report(lx->diag, lx->gate, t->line, t->col,
                       triple ? "unterminated triple-quoted string literal (detected at line %d)"
                              : "unterminated string literal (detected at line %d)", at);
            lx->cur = p;
            t->kind = T_ERROR;
            return;
        }
        if (*p == '\n' || *p == '\r') {
            if (!triple) {
                lex_report(lx->diag, lx->gate, t->line, t->col,
                           "unterminated string literal (detected at line %d)", lx->line);
                lx->cur = p;
                t->kind = T_ERROR;
                return;
            }
            if (*p == '\r' && p[1] == '\n') p++;
            lex_newline_at(lx, p + 1);
            p++;
            continue;
        }
        if (*p == '\\' && !(p[1] == 0 && p + 1 >= lx->lim)) {
            p++;
            if (*p == '\r' && p[1] == '\n') p++;
            if (*p == '\n' || *p == '\r') lex_newline_at(lx, p + 1);
            p++;
            continue;
        }
        if (*p == q && (!triple || (p[1] == q && p[2] == q))) break;
        p++;
    }
    const unsigned char *end = p;
    lx->cur = p + (triple ? 3 : 1);
    t->end_line = lx->line;
    size_t n = (size_t)(end - body);
    if (t->is_fstr) {
        t->body = (const char *)body;
        t->body_len = n;
        t->body_line = body_line;
        t->body_col = body_col;
        return;
    }
    if (t->is_bytes) {
        for (const unsigned char *b = body; b < end; b++)
            if (*b >= 0x80) {
                lex_report(lx->diag, lx->gate, t->line, t->col,
                           "bytes can only contain ASCII literal characters");
                t->kind = T_ERROR;
                return;
            }
    }
    char *out = arena_alloc(lx->arena, n + 1);
    long len = (long)n;
    if (t->is_raw) memcpy(out, body, n);
    else len = lex_unescape((const char *)body, n, t->is_bytes, out, lx->diag, lx->gate, t->line, t->col);
    if (len < 0) {
        t->kind = T_ERROR;
        return;
    }
    out[len] = 0;
    t->str.s = out;
    t->str.len = (size_t)len;
}

/* ---- names and odd characters ---- */

/* Decodes one UTF-8 sequence at p; returns its length (0 if malformed). */
static int lex_utf8(const unsigned char *p, unsigned long *cp)
{
    int n;
    if (*p < 0x80) { *cp = *p; return 1; }
    if ((*p & 0xE0) == 0xC0) n = 2, *cp = *p & 0x1F;
    else if ((*p & 0xF0) == 0xE0) n = 3, *cp = *p & 0x0F;
    else if ((*p & 0xF8) == 0xF0) n = 4, *cp = *p & 0x07;
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    return n;
}

/* Roughly Unicode's identifier classes: letters of all scripts are fine;
 * punctuation, symbols, quotes and emoji are not. */
static int lex_ident_cp(unsigned long c)
{
    if (c < 0xAA) return 0;
    if (c < 0xC0) return c == 0xAA || c == 0xB5 || c == 0xBA;
    if (c == 0xD7 || c == 0xF7) return 0;
    if (c >= 0x2000 && c <= 0x206F) return 0;   /* general punctuation, smart quotes */
    if (c >= 0x20A0 && c <= 0x20CF) return 0;   /* currency */
    if (c >= 0x2190 && c <= 0x2BFF) return 0;   /* arrows, math, box drawing, dingbats */
    if (c >= 0x3000 && c <= 0x3003) return 0;
    if (c >= 0x3008 && c <= 0x3020) return 0;   /* CJK brackets */
    if (c >= 0xD800 && c <= 0xF8FF) return 0;   /* surrogates, private use */
    if (c >= 0xFE30 && c <= 0xFE4F) return 0;
    if ((c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
        (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65)) return 0;
    if (c == 0xFEFF || c > 0x10FFFF) return 0;
    if (c >= 0x1F000 && c <= 0x1FAFF) return 0; /* emoji */
    return 1;
}

/* Reports the character at p as invalid. */
static void lex_bad_char(Lexer *lx, const unsigned char *p)
{
    unsigned long cp;
    int n = lex_utf8(p, &cp);
    char msg[96];
    if (n == 0) snprintf(msg, sizeof msg, "invalid UTF-8 byte 0x%02x", *p);
    else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
        snprintf(msg, sizeof msg, "invalid non-printable character U+%04lX", cp);
    else if (cp < 0x80) snprintf(msg, sizeof msg, "invalid syntax");
    else snprintf(msg, sizeof msg, "invalid character '%.*s' (U+%04lX)", n, (const char *)p, cp);
    lex_error(lx, p, msg);
}

static void lex_name(Lexer *lx, Token *t)
{
    lex_tok(lx, t, T_NAME);
    for (const unsigned char *p = lx->tok; p < lx->cur;) {
        if (*p < 0x80) { p++; continue; }
        unsigned long cp;
        int n = lex_utf8(p, &cp);
        if (n == 0 || p + n > lx->cur || !lex_ident_cp(cp)) {
            lex_bad_char(lx, p);
            t->kind = T_ERROR;
            return;
        }
        p += n;
    }
    size_t len = (size_t)(lx->cur - lx->tok);
    for (size_t i = 0; i < sizeof lex_keywords / sizeof lex_keywords[0]; i++)
        if (strlen(lex_keywords[i]) == len && memcmp(lex_keywords[i], lx->tok, len) == 0) {
            t->kind = (TokKind)(T_FALSE + (int)i);
            t->name = lex_keywords[i];
            return;
        }
    t->name = arena_strndup(lx->arena, (const char *)lx->tok, len);
}

/* ---- brackets ---- */

static void lex_open(Lexer *lx, Token *t, TokKind k)
{
    lex_tok(lx, t, k);
    if (lx->depth == LEX_MAXDEPTH) {
        lex_error(lx, lx->tok, "too many nested parentheses");
        t->kind = T_ERROR;
        return;
    }
    lx->brk[lx->depth] = (char)*lx->tok;
    lx->brk_line[lx->depth] = t->line;
    lx->brk_col[lx->depth] = t->col;
    lx->depth++;
}

static void lex_close(Lexer *lx, Token *t, TokKind k)
{
    lex_tok(lx, t, k);
    char c = (char)*lx->tok;
    if (lx->depth == 0) {
        if (!lx->field) {
            lex_report(lx->diag, lx->gate, t->line, t->col, "unmatched '%c'", c);
            t->kind = T_ERROR;
        }
        return;
    }
    char o = lx->brk[--lx->depth];
    if ((o == '(' && c != ')') || (o == '[' && c != ']') || (o == '{' && c != '}')) {
        if (lx->brk_line[lx->depth] != t->line)
            lex_report(lx->diag, lx->gate, t->line, t->col,
                       "closing parenthesis '%c' does not match opening parenthesis '%c' on line %d",
                       c, o, lx->brk_line[lx->depth]);
        else
            lex_report(lx->diag, lx->gate, t->line, t->col,
                       "closing parenthesis '%c' does not match opening parenthesis '%c'", c, o);
        t->kind = T_ERROR;
    }
}

/* ---- end of input and newlines ---- */

/* Returns 1 with a token in *t, or 0 to keep scanning. */
static int lex_eof(Lexer *lx, Token *t)
{
    lx->cur = lx->lim;
    lx->tok = lx->lim;
    if (lx->depth > 0) {
        int i = lx->depth - 1;
        lx->unclosed = lx->brk[i];
        lx->unclosed_line = lx->brk_line[i];
        lx->unclosed_col = lx->brk_col[i];
        lx->depth = 0;
        if (!lx->field) {
            lex_report(lx->diag, lx->gate, lx->unclosed_line, lx->unclosed_col,
                       "'%c' was never closed", lx->unclosed);
            lex_tok(lx, t, T_ERROR);
            return 1;
        }
    }
    if (lx->line_has_tokens && !lx->field) {
        lx->line_has_tokens = 0;
        lex_tok(lx, t, T_NEWLINE);
        return 1;
    }
    if (lx->nind > 1) {
        lx->pending = -(lx->nind - 1);
        lx->nind = 1;
        return 0;
    }
    lex_tok(lx, t, T_EOF);
    return 1;
}

/* A newline ending at lx->cur. Returns 1 with a NEWLINE token, or 0. */
static int lex_eol(Lexer *lx, Token *t)
{
    int emit = lx->depth == 0 && !lx->field && lx->line_has_tokens;
    if (emit) lex_tok(lx, t, T_NEWLINE);
    lex_newline_at(lx, lx->cur);
    if (lx->depth == 0 && !lx->field) {
        lx->bol = 1;
        lx->line_has_tokens = 0;
    }
    return emit;
}

/* Scans one token; returns 1 when *t holds it, 0 to go round again
 * (whitespace, comments, blank lines). */
static int lex_scan(Lexer *lx, Token *t)
{
    const unsigned char *marker = lx->cur;
    lx->tok = lx->cur;
    /*!re2c
    re2c:define:YYCTYPE = "unsigned char";
    re2c:define:YYCURSOR = "lx->cur";
    re2c:define:YYMARKER = "marker";
    re2c:yyfill:enable = 0;

    digitpart  = [0-9] ("_"? [0-9])*;
    decint     = [1-9] ("_"? [0-9])* | "0" ("_"? "0")*;
    badzero    = "0" ("_"? [0-9])+;
    hexint     = "0" [xX] ("_"? [0-9a-fA-F])+;
    octint     = "0" [oO] ("_"? [0-7])+;
    binint     = "0" [bB] ("_"? [01])+;
    exponent   = [eE] [+-]? digitpart;
    pointfloat = digitpart? "." digitpart | digitpart ".";
    floatnum   = pointfloat exponent? | digitpart exponent;
    strprefix  = [rRbBfFuU] | [rR][bBfF] | [bBfF][rR];
    idstart    = [a-zA-Z_\x80-\xff];
    idchar     = [a-zA-Z0-9_\x80-\xff];

    "\x00" {
        if (lx->tok >= lx->lim) return lex_eof(lx, t);
        lex_error(lx, lx->tok, "source code cannot contain null bytes");
        lex_tok(lx, t, T_ERROR);
        return 1;
    }
    [ \t\f]+              { return 0; }
    "#" [^\n\r\x00]*      { return 0; }
    "\\" "\r"? "\n"       { lex_newline_at(lx, lx->cur); return 0; }
    "\\" {
        if (*lx->cur == 0 && lx->cur >= lx->lim) lex_error(lx, lx->tok, "unexpected EOF while parsing");
        else lex_error(lx, lx->tok, "unexpected character after line continuation character");
        lex_tok(lx, t, T_ERROR);
        return 1;
    }
    "\r\n" | "\n" | "\r"  { return lex_eol(lx, t); }

    strprefix? ['"]             { lex_string(lx, t, 0); return 1; }
    strprefix? ("'''" | '"""')  { lex_string(lx, t, 1); return 1; }
    idstart idchar*             { lex_name(lx, t); return 1; }

    decint     { lex_int(lx, t, 10, 0); return 1; }
    hexint     { lex_int(lx, t, 16, 2); return 1; }
    octint     { lex_int(lx, t, 8, 2); return 1; }
    binint     { lex_int(lx, t, 2, 2); return 1; }
    floatnum   { lex_float(lx, t); return 1; }
    badzero {
        lex_error(lx, lx->tok, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
        lex_tok(lx, t, T_ERROR);
        return 1;
    }

    "(" { lex_open(lx, t, T_LPAR); return 1; }
    "[" { lex_open(lx, t, T_LSQB); return 1; }
    "{" { lex_open(lx, t, T_LBRACE); return 1; }
    ")" { lex_close(lx, t, T_RPAR); return 1; }
    "]" { lex_close(lx, t, T_RSQB); return 1; }
    "}" { lex_close(lx, t, T_RBRACE); return 1; }

    ":"   { lex_tok(lx, t, T_COLON); return 1; }
    ","   { lex_tok(lx, t, T_COMMA); return 1; }
    ";"   { lex_tok(lx, t, T_SEMI); return 1; }
    "."   { lex_tok(lx, t, T_DOT); return 1; }
    "..." { lex_tok(lx, t, T_ELLIPSIS); return 1; }
    "->"  { lex_tok(lx, t, T_RARROW); return 1; }
    ":="  { lex_tok(lx, t, T_COLONEQUAL); return 1; }
    "@"   { lex_tok(lx, t, T_AT); return 1; }
    "+"   { lex_tok(lx, t, T_PLUS); return 1; }
    "-"   { lex_tok(lx, t, T_MINUS); return 1; }
    "*"   { lex_tok(lx, t, T_STAR); return 1; }
    "/"   { lex_tok(lx, t, T_SLASH); return 1; }
    "//"  { lex_tok(lx, t, T_DOUBLESLASH); return 1; }
    "%"   { lex_tok(lx, t, T_PERCENT); return 1; }
    "**"  { lex_tok(lx, t, T_DOUBLESTAR); return 1; }
    "|"   { lex_tok(lx, t, T_VBAR); return 1; }
    "&"   { lex_tok(lx, t, T_AMP); return 1; }
    "^"   { lex_tok(lx, t, T_CIRCUMFLEX); return 1; }
    "~"   { lex_tok(lx, t, T_TILDE); return 1; }
    "<<"  { lex_tok(lx, t, T_LSHIFT); return 1; }
    ">>"  { lex_tok(lx, t, T_RSHIFT); return 1; }
    "<"   { lex_tok(lx, t, T_LESS); return 1; }
    ">"   { lex_tok(lx, t, T_GREATER); return 1; }
    "=="  { lex_tok(lx, t, T_EQEQUAL); return 1; }
    "!="  { lex_tok(lx, t, T_NOTEQUAL); return 1; }
    "<="  { lex_tok(lx, t, T_LESSEQUAL); return 1; }
    ">="  { lex_tok(lx, t, T_GREATEREQUAL); return 1; }
    "="   { lex_tok(lx, t, T_EQUAL); return 1; }
    "+="  { lex_tok(lx, t, T_PLUSEQUAL); return 1; }
    "-="  { lex_tok(lx, t, T_MINEQUAL); return 1; }
    "*="  { lex_tok(lx, t, T_STAREQUAL); return 1; }
    "/="  { lex_tok(lx, t, T_SLASHEQUAL); return 1; }
    "//=" { lex_tok(lx, t, T_DOUBLESLASHEQUAL); return 1; }
    "%="  { lex_tok(lx, t, T_PERCENTEQUAL); return 1; }
    "**=" { lex_tok(lx, t, T_DOUBLESTAREQUAL); return 1; }
    "|="  { lex_tok(lx, t, T_VBAREQUAL); return 1; }
    "&="  { lex_tok(lx, t, T_AMPEREQUAL); return 1; }
    "^="  { lex_tok(lx, t, T_CIRCUMFLEXEQUAL); return 1; }
    "<<=" { lex_tok(lx, t, T_LSHIFTEQUAL); return 1; }
    ">>=" { lex_tok(lx, t, T_RSHIFTEQUAL); return 1; }
    "@="  { lex_tok(lx, t, T_ATEQUAL); return 1; }

    * {
        lex_bad_char(lx, lx->tok);
        lex_tok(lx, t, T_ERROR);
        return 1;
    }
    */
}

void lex_next(Lexer *lx, Token *t)
{
    memset(t, 0, sizeof *t);
    for (;;) {
        if (lx->pending != 0) {
            lx->tok = lx->cur;
            while (*lx->tok == ' ' || *lx->tok == '\t' || *lx->tok == '\f') lx->tok++;
            lex_tok(lx, t, lx->pending > 0 ? T_INDENT : T_DEDENT);
            lx->pending += lx->pending > 0 ? -1 : 1;
            return;
        }
        if (lx->bol) {
            lx->bol = 0;
            lex_indent(lx);
            continue;
        }
        if (lex_scan(lx, t)) {
            if (t->kind != T_NEWLINE && t->kind != T_EOF) lx->line_has_tokens = 1;
            return;
        }
    }
}
