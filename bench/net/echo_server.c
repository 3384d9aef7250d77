/* bench/net/echo_server.c - the plain C libuv TCP echo server of the network
 * benchmark: the baseline the aio server is compared with.
 *
 * Listens on HOST:PORT (port 0 picks a free one), prints the port it got on
 * stdout, then echoes every byte back on the connection it came from until
 * killed. Reads land in one shared buffer and are echoed with uv_try_write;
 * only bytes the kernel does not take at once are copied and queued (what
 * libuv-based servers such as Node and uvloop do too).
 *
 * Usage: echo_server [HOST=127.0.0.1] [PORT=0] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define ECHO_BUF_SIZE 65536

/* Per-loop state (hangs off loop->data): one read buffer shared by all
 * connections, safe because libuv hands it to exactly one read callback,
 * which consumes it before the next allocation. */
typedef struct {
  char buf[ECHO_BUF_SIZE];
} echo_state;

/* A write libuv could not finish at once: owns a copy of the rest. */
typedef struct {
  uv_write_t req;
  uv_buf_t buf;
} echo_write;

static void echo_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  echo_state *st = h->loop->data;
  (void)hint;
  *buf = uv_buf_init(st->buf, sizeof st->buf);
}

static void echo_on_close(uv_handle_t *h) { free(h); }

static void echo_on_write(uv_write_t *req, int status) {
  echo_write *w = (echo_write *)req;
  (void)status;   /* a failed write shows up as a read error too */
  free(w->buf.base);
  free(w);
}

/* Echoes n bytes: try the write right away (the common case on an idle
 * socket, no allocation); queue a copy of whatever the kernel did not take. */
static int echo_send(uv_stream_t *s, const char *data, size_t n) {
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)n);
  int done = uv_try_write(s, &b, 1);
  if (done == (int)n) return 0;
  if (done < 0 && done != UV_EAGAIN) return done;
  if (done < 0) done = 0;
  echo_write *w = malloc(sizeof *w);
  char *copy = malloc(n - (size_t)done);
  if (!w || !copy) {
    free(w);
    free(copy);
    return UV_ENOMEM;
  }
  memcpy(copy, data + done, n - (size_t)done);
  w->buf = uv_buf_init(copy, (unsigned)(n - (size_t)done));
  int err = uv_write(&w->req, s, &w->buf, 1, echo_on_write);
  if (err) {
    free(copy);
    free(w);
  }
  return err;
}

static void echo_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  if (n > 0 && echo_send(s, buf->base, (size_t)n) == 0) return;
  if (n != 0 && !uv_is_closing((uv_handle_t *)s)) uv_close((uv_handle_t *)s, echo_on_close);
}

static void echo_on_conn(uv_stream_t *server, int status) {
  if (status < 0) return;
  uv_tcp_t *c = malloc(sizeof *c);
  if (!c) return;
  uv_tcp_init(server->loop, c);
  if (uv_accept(server, (uv_stream_t *)c) != 0) {
    uv_close((uv_handle_t *)c, echo_on_close);
    return;
  }
  uv_tcp_nodelay(c, 1);
  uv_read_start((uv_stream_t *)c, echo_alloc, echo_on_read);
}

int main(int argc, char **argv) {
  const char *host = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 0;
  uv_loop_t *loop = uv_default_loop();
  echo_state *st = malloc(sizeof *st);
  if (!st) return 1;
  loop->data = st;
  uv_tcp_t server;
  struct sockaddr_in addr;
  struct sockaddr_storage got;
  int len = sizeof got, err;
  uv_tcp_init(loop, &server);
  if ((err = uv_ip4_addr(host, port, &addr)) ||
      (err = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0)) ||
      (err = uv_listen((uv_stream_t *)&server, 128, echo_on_conn)) ||
      (err = uv_tcp_getsockname(&server, (struct sockaddr *)&got, &len))) {
    fprintf(stderr, "echo_server: %s\n", uv_strerror(err));
    return 1;
  }
  printf("%d\n", ntohs(((struct sockaddr_in *)&got)->sin_port));
  fflush(stdout);
  return uv_run(loop, UV_RUN_DEFAULT);
}
