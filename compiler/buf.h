/* buf.h - a growable byte buffer, used for generated Lua text and messages. */
#ifndef AIO_BUF_H
#define AIO_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct Buf {
    char *data;     /* NUL-terminated; owned by the Buf */
    size_t len, cap;
} Buf;

void buf_init(Buf *b);
void buf_free(Buf *b);
void buf_add(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);

#endif
