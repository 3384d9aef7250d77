/* diag.h - compile diagnostics. Each error is formatted as
 *     file:line:col: error: message
 *         <the source line>
 *         ^
 * into an owned text buffer (the library never prints; the host does). After
 * DIAG_MAX errors further ones are counted but not formatted. */
#ifndef AIO_DIAG_H
#define AIO_DIAG_H

#include "buf.h"

enum { DIAG_MAX = 20 };

typedef struct Diag {
    const char *filename;   /* borrowed */
    const char *src;        /* borrowed: the whole source text */
    size_t srclen;
    int nerrors;
    Buf text;               /* owned: the formatted messages */
} Diag;

void diag_init(Diag *d, const char *filename, const char *src, size_t srclen);
void diag_free(Diag *d);
/* line and col are 1-based; col counts bytes. */
void diag_error(Diag *d, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
