/* bench/net/client.c - the TCP echo load client of the network benchmark.
 *
 * Opens CONNS connections to HOST:PORT on one libuv loop; each connection
 * sends a SIZE-byte message, waits until all SIZE bytes have come back,
 * checks every byte, and repeats ROUNDS times (so one message is in flight
 * per connection). Prints "messages SECONDS MSGS_PER_S" on success; exits 1
 * on any error, short read, wrong byte or when TIMEOUT seconds pass.
 *
 * Usage: client HOST PORT [CONNS=50] [ROUNDS=10000] [SIZE=64] [TIMEOUT=120]
 *
 * The message of round r on connection c is a function of (c, r), so a byte
 * echoed to the wrong connection, reordered or stale is caught. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define CLIENT_MAX_SIZE 65536

typedef struct client_bench client_bench;

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  client_bench *bench;
  int id;
  long round;          /* the round whose message is in flight */
  size_t got;          /* bytes of the echo received so far */
  unsigned char *msg;  /* the message of the current round */
  char *rbuf;          /* read buffer (libuv reads into it) */
} client_conn;

struct client_bench {
  uv_loop_t *loop;
  uv_timer_t timer;
  client_conn *conns;
  int nconns;
  long rounds;
  size_t size;
  int open_conns;      /* connections not yet done */
  int failed;
  uint64_t t0;
};

static void client_start_round(client_conn *c);

static void client_fail(client_bench *b, const char *what, int conn, int err) {
  if (!b->failed) {
    if (err) fprintf(stderr, "client: connection %d: %s: %s\n", conn, what, uv_strerror(err));
    else fprintf(stderr, "client: connection %d: %s\n", conn, what);
  }
  b->failed = 1;
  uv_stop(b->loop);
}

/* The byte at offset i of connection c's message in round r. */
static unsigned char client_byte(int c, long r, size_t i) {
  return (unsigned char)((unsigned long)c * 131u + (unsigned long)r * 31u + i * 7u + 1u);
}

static void client_fill(client_conn *c) {
  for (size_t i = 0; i < c->bench->size; i++) c->msg[i] = client_byte(c->id, c->round, i);
}

static void client_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  client_conn *c = h->data;
  (void)hint;
  buf->base = c->rbuf;
  buf->len = CLIENT_MAX_SIZE;
}

static void client_conn_done(client_conn *c) {
  client_bench *b = c->bench;
  uv_read_stop((uv_stream_t *)&c->tcp);
  uv_close((uv_handle_t *)&c->tcp, NULL);
  if (--b->open_conns == 0) {
    uv_timer_stop(&b->timer);
    uv_close((uv_handle_t *)&b->timer, NULL);
  }
}

static void client_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  client_conn *c = s->data;
  client_bench *b = c->bench;
  if (n == 0) return;
  if (n < 0) {
    client_fail(b, n == UV_EOF ? "server closed the connection early" : "read", c->id, n == UV_EOF ? 0 : (int)n);
    return;
  }
  if (c->got + (size_t)n > b->size) {
    client_fail(b, "server sent more bytes than were sent to it", c->id, 0);
    return;
  }
  if (memcmp(buf->base, c->msg + c->got, (size_t)n) != 0) {
    client_fail(b, "echoed bytes differ from the bytes sent", c->id, 0);
    return;
  }
  c->got += (size_t)n;
  if (c->got < b->size) return;
  if (++c->round == b->rounds) client_conn_done(c);
  else client_start_round(c);
}

static void client_on_write(uv_write_t *w, int status) {
  client_conn *c = w->data;
  if (status < 0) client_fail(c->bench, "write", c->id, status);
}

static void client_start_round(client_conn *c) {
  client_fill(c);
  c->got = 0;
  uv_buf_t buf = uv_buf_init((char *)c->msg, (unsigned)c->bench->size);
  c->write.data = c;
  int err = uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, client_on_write);
  if (err) client_fail(c->bench, "write", c->id, err);
}

static void client_on_connect(uv_connect_t *req, int status) {
  client_conn *c = req->data;
  if (status < 0) {
    client_fail(c->bench, "connect", c->id, status);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  int err = uv_read_start((uv_stream_t *)&c->tcp, client_alloc, client_on_read);
  if (err) {
    client_fail(c->bench, "read_start", c->id, err);
    return;
  }
  client_start_round(c);
}

static void client_on_timeout(uv_timer_t *t) {
  client_bench *b = t->data;
  long done = 0;
  for (int i = 0; i < b->nconns; i++) done += b->conns[i].round;
  fprintf(stderr, "client: timed out after %ld of %ld round trips\n", done, (long)b->nconns * b->rounds);
  b->failed = 1;
  uv_stop(b->loop);
}

static int client_open(client_bench *b, const struct sockaddr *addr) {
  for (int i = 0; i < b->nconns; i++) {
    client_conn *c = &b->conns[i];
    c->bench = b;
    c->id = i;
    c->msg = malloc(b->size);
    c->rbuf = malloc(CLIENT_MAX_SIZE);
    if (!c->msg || !c->rbuf) return UV_ENOMEM;
    uv_tcp_init(b->loop, &c->tcp);
    c->tcp.data = c;
    c->connect.data = c;
    int err = uv_tcp_connect(&c->connect, &c->tcp, addr, client_on_connect);
    if (err) return err;
  }
  return 0;
}

static long client_arg(int argc, char **argv, int i, long dflt, long lo, long hi) {
  if (argc <= i) return dflt;
  char *end;
  long v = strtol(argv[i], &end, 10);
  if (*end || v < lo || v > hi) {
    fprintf(stderr, "client: bad argument '%s'\n", argv[i]);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: client HOST PORT [CONNS] [ROUNDS] [SIZE] [TIMEOUT]\n");
    return 2;
  }
  client_bench b = {0};
  int port = (int)client_arg(argc, argv, 2, 0, 1, 65535);
  b.nconns = (int)client_arg(argc, argv, 3, 50, 1, 10000);
  b.rounds = client_arg(argc, argv, 4, 10000, 1, 100000000);
  b.size = (size_t)client_arg(argc, argv, 5, 64, 1, CLIENT_MAX_SIZE);
  long timeout = client_arg(argc, argv, 6, 120, 1, 86400);
  struct sockaddr_in addr;
  if (uv_ip4_addr(argv[1], port, &addr)) {
    fprintf(stderr, "client: bad IPv4 address '%s'\n", argv[1]);
    return 2;
  }
  b.loop = uv_default_loop();
  b.conns = calloc((size_t)b.nconns, sizeof *b.conns);
  if (!b.conns) return 1;
  b.open_conns = b.nconns;
  uv_timer_init(b.loop, &b.timer);
  b.timer.data = &b;
  uv_timer_start(&b.timer, client_on_timeout, (uint64_t)timeout * 1000, 0);
  b.t0 = uv_hrtime();
  int err = client_open(&b, (const struct sockaddr *)&addr);
  if (err) client_fail(&b, "connect", 0, err);
  else uv_run(b.loop, UV_RUN_DEFAULT);
  if (b.failed) return 1;
  double secs = (double)(uv_hrtime() - b.t0) / 1e9;
  long total = (long)b.nconns * b.rounds;
  printf("%ld %.6f %.0f\n", total, secs, (double)total / secs);
  return 0;
}
