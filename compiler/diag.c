/* diag.c - formats compile errors with the source line and a caret (see diag.h). */
#include "diag.h"
#include <stdarg.h>
#include <string.h>

void diag_init(Diag *d, const char *filename, const char *src, size_t srclen)
{
    d->filename = filename;
    d->src = src;
    d->srclen = srclen;
    d->nerrors = 0;
    buf_init(&d->text);
}

void diag_free(Diag *d) { buf_free(&d->text); }

/* Finds the text of 1-based line `line`; returns its length. */
static size_t diag_line(const Diag *d, int line, const char **start)
{
    const char *p = d->src, *end = d->src + d->srclen;
    for (int l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) { p = end; break; }
        p = nl + 1;
    }
    const char *e = p;
    while (e < end && *e != '\n' && *e != '\r') e++;
    *start = p;
    return (size_t)(e - p);
}

void diag_error(Diag *d, int line, int col, const char *fmt, ...)
{
    d->nerrors++;
    if (d->nerrors > DIAG_MAX) return;
    buf_printf(&d->text, "%s:%d:%d: error: ", d->filename, line, col);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&d->text, fmt, ap);
    va_end(ap);
    buf_putc(&d->text, '\n');
    const char *ls;
    size_t n = diag_line(d, line, &ls);
    if (!d->src || line < 1) return;
    buf_puts(&d->text, "    ");
    buf_add(&d->text, ls, n);
    buf_puts(&d->text, "\n    ");
    for (int i = 1; i < col && (size_t)(i - 1) < n; i++)
        buf_putc(&d->text, ls[i - 1] == '\t' ? '\t' : ' ');
    buf_puts(&d->text, "^\n");
}
