/* net_native.c - networking natives (aio.native.net_*) on the VM's libuv loop:
 * TCP, Unix-domain (uv_pipe) and UDP handles, getaddrinfo on libuv's thread
 * pool. stdlib/92_net.lua builds asyncio's streams, the socket module and
 * loop.sock_* on top.
 *
 * A handle is a Lua userdata holding a pointer to a malloc'd NetHandle (the
 * uv handle itself). libuv may still use the memory after Lua drops the
 * userdata, so __gc only starts uv_close; the memory and the registry
 * reference to the Lua event function are released in the close callback.
 * Events reach Lua by calling the handle's event function on the VM's main
 * thread (libuv callbacks run inside aio.native.loop_wait, which the
 * scheduler calls on the main thread): fn(event, ...), or fn(ctx, event, ...)
 * when the handle was made with a context value ctx, with event one of
 *   "r", data | "eof" | "rerr", name, msg, errno      (reading)
 *   "w", status_or_nil, name, msg, errno              (a queued write finished)
 *   "c", nil | name, msg, errno                       (connect finished)
 *   "a", nil | name, msg, errno                       (a connection to accept)
 *   "s", nil | name, msg, errno                       (shutdown finished)
 *   "d", data, ip, port | "derr", name, msg, errno    (UDP datagram)
 * Failures of the natives themselves are returned as nil, name, msg, errno
 * (name like "ECONNREFUSED", errno positive). The callbacks never raise.
 * A handle made with a read function rfn (and a ctx) delivers received stream
 * data as rfn(ctx, data) instead of fn(ctx, "r", data): the per-message path
 * of a stream pushes no event name and dispatches on nothing.
 *
 * Listening sockets accept through a uv_poll_t (NetAcc) rather than
 * uv_listen: libuv's accept loop, out of descriptors, silently accepts and
 * drops pending connections (or, without its reserve descriptor, calls back
 * with EMFILE in a busy loop). Here an accept failure is reported once
 * through "a", polling pauses for NET_ACCEPT_RETRY_MS, and pending
 * connections wait in the backlog until descriptors are free (asyncio's
 * behaviour). */
#include "native.h"
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>

#include <lauxlib.h>

#define NET_MT "aio.net.handle"
#define NET_STATE_KEY "aio.net.state"
#define NET_RBUF 65536
#define NET_ACCEPT_RETRY_MS 1000   /* asyncio's ACCEPT_RETRY_DELAY */
#define NET_ACCEPT_BURST 64        /* connections accepted per readiness callback */

enum { NET_TCP, NET_PIPE, NET_UDP };

typedef struct NetState {
    uv_loop_t *loop;
    lua_State *L;           /* the main thread: where events are delivered */
    const void *mt;         /* the handles' metatable (net_check compares with it) */
    char rbuf[NET_RBUF];    /* read buffer; each read is copied out at once */
    int rbuf_busy;
} NetState;

typedef struct NetAcc NetAcc;

typedef struct NetHandle {
    union {
        uv_handle_t h;
        uv_stream_t s;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
        uv_udp_t udp;
    } u;
    NetState *ns;
    int fnref;      /* Lua event function (registry ref) */
    int ctxref;     /* its first argument, or LUA_NOREF (registry ref) */
    int rfnref;     /* stream data function rfn(ctx, data), or LUA_NOREF */
    int kind;
    int closing;
    NetAcc *acc;    /* accept machinery once listening, else NULL */
} NetHandle;

/* A listening handle's acceptor: a poll on its descriptor, a retry timer
 * (polling pauses after an accept failure) and at most one accepted
 * descriptor not yet taken by net_accept (polling stops until it is). */
struct NetAcc {
    uv_poll_t poll;
    uv_timer_t retry;
    NetHandle *h;   /* NULL once the handle closed */
    int lfd;        /* the listening descriptor */
    int fd;         /* accepted, not yet taken; -1 if none */
    int paused;     /* waiting for the retry timer */
    int open;       /* uv handles not yet closed (frees itself at 0) */
};

typedef struct NetBox { NetHandle *h; } NetBox;

/* ---- errors -------------------------------------------------------------- */

/* getaddrinfo failures carry glibc's EAI code and gai_strerror text, as
 * Python's socket.gaierror does. */
static int net_eai_code(int uverr)
{
    switch (uverr) {
    case UV_EAI_NONAME: return EAI_NONAME;
    case UV_EAI_AGAIN: return EAI_AGAIN;
    case UV_EAI_FAIL: return EAI_FAIL;
    case UV_EAI_FAMILY: return EAI_FAMILY;
    case UV_EAI_SERVICE: return EAI_SERVICE;
    case UV_EAI_SOCKTYPE: return EAI_SOCKTYPE;
    case UV_EAI_MEMORY: return EAI_MEMORY;
#ifdef EAI_NODATA
    case UV_EAI_NODATA: return EAI_NODATA;
#endif
#ifdef EAI_ADDRFAMILY
    case UV_EAI_ADDRFAMILY: return EAI_ADDRFAMILY;
#endif
    default: return 0;
    }
}

/* Pushes name, message, errno for a libuv error; returns 3. */
static int net_push_err(lua_State *L, int err)
{
    int eai = net_eai_code(err);
    if (eai != 0) {
        lua_pushstring(L, "gaierror");
        lua_pushstring(L, gai_strerror(eai));
        lua_pushinteger(L, eai);
        return 3;
    }
    lua_pushstring(L, uv_err_name(err));
    lua_pushstring(L, strerror(-err));
    lua_pushinteger(L, -err);
    return 3;
}

static int net_fail(lua_State *L, int err)
{
    lua_pushnil(L);
    return 1 + net_push_err(L, err);
}

/* ---- handles ------------------------------------------------------------- */

static NetState *net_state(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(1)); }

/* A handle is dead once we closed it or the VM's shutdown (loop_shutdown,
 * which closes every handle without a callback) did. */
static int net_dead(NetHandle *h) { return h->closing || uv_is_closing(&h->u.h); }

/* The handle at idx (raises unless it is an open net handle). The metatable
 * is compared by address: no registry lookup by name per call. */
static NetHandle *net_check(lua_State *L, int idx)
{
    NetBox *b = lua_touserdata(L, idx);
    int ok = b != NULL && lua_getmetatable(L, idx);
    if (ok) {
        ok = lua_topointer(L, -1) == net_state(L)->mt;
        lua_pop(L, 1);
    }
    if (!ok) b = luaL_checkudata(L, idx, NET_MT);   /* raises the usual error */
    if (!b->h || net_dead(b->h)) luaL_error(L, "net: handle is closed");
    return b->h;
}

/* Calls the handle's event function with nargs values already pushed on the
 * main thread's stack (under them: nothing of ours). Errors are printed, never
 * propagated into libuv. */
static void net_call(lua_State *L, int nargs)
{
    if (lua_pcall(L, nargs, 0, 0) != LUA_OK) {
        fprintf(stderr, "aio: internal error in a network callback: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}

static void net_emit(NetHandle *h, int nargs)
{
    lua_State *L = h->ns->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->fnref);
    lua_insert(L, -nargs - 1);
    if (h->ctxref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, h->ctxref);
        lua_insert(L, -nargs - 1);
        nargs++;
    }
    net_call(L, nargs);
}

/* Hands received stream data (n bytes at p) to Lua: rfn(ctx, data), or the
 * "r" event. */
static void net_emit_data(NetHandle *h, const char *p, size_t n)
{
    lua_State *L = h->ns->L;
    if (h->rfnref == LUA_NOREF) {
        lua_pushliteral(L, "r");
        lua_pushlstring(L, p, n);
        net_emit(h, 2);
        return;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->rfnref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ctxref);
    lua_pushlstring(L, p, n);
    net_call(L, 2);
}

/* Drops the handle's registry references. */
static void net_unref(NetHandle *h)
{
    lua_State *L = h->ns->L;
    luaL_unref(L, LUA_REGISTRYINDEX, h->fnref);
    luaL_unref(L, LUA_REGISTRYINDEX, h->ctxref);
    luaL_unref(L, LUA_REGISTRYINDEX, h->rfnref);
}

static void net_emit_err(NetHandle *h, const char *ev, int err)
{
    lua_State *L = h->ns->L;
    lua_pushstring(L, ev);
    net_emit(h, 1 + net_push_err(L, err));
}

static void net_acc_close_cb(uv_handle_t *uh)
{
    NetAcc *a = uh->data;
    if (--a->open == 0) free(a);
}

/* Detaches and closes a handle's acceptor; closed is true when the loop has
 * already closed its uv handles (loop_shutdown), so it is freed here. */
static void net_acc_release(NetHandle *h, int closed)
{
    NetAcc *a = h->acc;
    if (!a) return;
    h->acc = NULL;
    a->h = NULL;
    if (a->fd >= 0) close(a->fd);
    a->fd = -1;
    if (closed) { free(a); return; }
    uv_close((uv_handle_t *)&a->poll, net_acc_close_cb);
    uv_close((uv_handle_t *)&a->retry, net_acc_close_cb);
}

static void net_close_cb(uv_handle_t *uh)
{
    NetHandle *h = uh->data;
    net_unref(h);
    free(h);
}

static void net_close_handle(NetHandle *h)
{
    if (h->closing) return;
    if (uv_is_closing(&h->u.h)) {
        /* closed by loop_shutdown (no callback) and the loop has run since */
        net_acc_release(h, 1);
        net_unref(h);
        free(h);
        return;
    }
    h->closing = 1;
    net_acc_release(h, 0);   /* (stops polling before the descriptor closes) */
    uv_close(&h->u.h, net_close_cb);
}


/* Creates a handle of the given kind; arg 1 is the event function, arg 2 an
 * optional address family (then the socket exists at once, so options such as
 * SO_REUSEPORT can be set before bind), arg 3 an optional context value
 * passed first to the event function, arg 4 an optional stream data function
 * rfn(ctx, data). */
static int net_new(lua_State *L, int kind)
{
    NetState *ns = net_state(L);
    luaL_checktype(L, 1, LUA_TFUNCTION);
    NetHandle *h = calloc(1, sizeof *h);
    if (!h) return net_fail(L, UV_ENOMEM);
    int family = (int)luaL_optinteger(L, 2, AF_UNSPEC);
    int r = kind == NET_TCP ? uv_tcp_init_ex(ns->loop, &h->u.tcp, family)
          : kind == NET_PIPE ? uv_pipe_init(ns->loop, &h->u.pipe, 0)
          : uv_udp_init_ex(ns->loop, &h->u.udp, family);
    if (r != 0) { free(h); return net_fail(L, r); }
    h->ns = ns;
    h->kind = kind;
    h->u.h.data = h;
    lua_pushvalue(L, 1);
    h->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
    h->ctxref = h->rfnref = LUA_NOREF;
    if (!lua_isnoneornil(L, 3)) {
        lua_pushvalue(L, 3);
        h->ctxref = luaL_ref(L, LUA_REGISTRYINDEX);
        if (lua_isfunction(L, 4)) {
            lua_pushvalue(L, 4);
            h->rfnref = luaL_ref(L, LUA_REGISTRYINDEX);
        }
    }
    NetBox *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->h = h;
    luaL_setmetatable(L, NET_MT);
    return 1;
}

static int net_tcp_new(lua_State *L) { return net_new(L, NET_TCP); }
static int net_pipe_new(lua_State *L) { return net_new(L, NET_PIPE); }
static int net_udp_new(lua_State *L) { return net_new(L, NET_UDP); }

/* close(h): idempotent; also the userdata's __gc. */
static int net_close(lua_State *L)
{
    NetBox *b = luaL_checkudata(L, 1, NET_MT);
    if (b->h) net_close_handle(b->h);
    b->h = NULL;
    return 0;
}

/* ---- addresses ----------------------------------------------------------- */

static int net_parse_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (strchr(ip, ':')) return uv_ip6_addr(ip, port, (struct sockaddr_in6 *)ss);
    return uv_ip4_addr(ip, port, (struct sockaddr_in *)ss);
}

/* Pushes ip, port, family (AF_INET...) for a socket address; returns 3. */
static int net_push_addr(lua_State *L, const struct sockaddr *sa)
{
    char ip[INET6_ADDRSTRLEN] = "";
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const void *)sa;
        uv_ip6_name(a6, ip, sizeof ip);
        lua_pushstring(L, ip);
        lua_pushinteger(L, ntohs(a6->sin6_port));
    } else {
        const struct sockaddr_in *a4 = (const void *)sa;
        uv_ip4_name(a4, ip, sizeof ip);
        lua_pushstring(L, ip);
        lua_pushinteger(L, ntohs(a4->sin_port));
    }
    lua_pushinteger(L, sa->sa_family);
    return 3;
}

/* getsockname(h) / getpeername(h) -> ip, port, family (pipes: path) */
static int net_name(lua_State *L, int peer)
{
    NetHandle *h = net_check(L, 1);
    if (h->kind == NET_PIPE) {
        char path[1024];
        size_t n = sizeof path;
        int r = peer ? uv_pipe_getpeername(&h->u.pipe, path, &n) : uv_pipe_getsockname(&h->u.pipe, path, &n);
        if (r != 0) return net_fail(L, r);
        lua_pushlstring(L, path, n);
        return 1;
    }
    struct sockaddr_storage ss;
    int len = sizeof ss;
    int r;
    if (h->kind == NET_UDP)
        r = peer ? uv_udp_getpeername(&h->u.udp, (struct sockaddr *)&ss, &len)
                 : uv_udp_getsockname(&h->u.udp, (struct sockaddr *)&ss, &len);
    else
        r = peer ? uv_tcp_getpeername(&h->u.tcp, (struct sockaddr *)&ss, &len)
                 : uv_tcp_getsockname(&h->u.tcp, (struct sockaddr *)&ss, &len);
    if (r != 0) return net_fail(L, r);
    return net_push_addr(L, (struct sockaddr *)&ss);
}

static int net_getsockname(lua_State *L) { return net_name(L, 0); }
static int net_getpeername(lua_State *L) { return net_name(L, 1); }

/* ---- bind / listen / accept / connect ------------------------------------ */

/* bind(h, ip_or_path, port, reuse_port) -> true | nil, err... SO_REUSEADDR is
 * always on for TCP (libuv sets it), as asyncio's start_server does. */
static int net_bind(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    const char *where = luaL_checkstring(L, 2);
    int r;
    if (h->kind == NET_PIPE) {
        struct stat st;
        if (stat(where, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(where);   /* stale socket, as asyncio */
        r = uv_pipe_bind(&h->u.pipe, where);
    } else {
        struct sockaddr_storage ss;
        r = net_parse_addr(where, (int)luaL_optinteger(L, 3, 0), &ss);
        if (r == 0 && h->kind == NET_TCP) {
            uv_os_fd_t fd;
            if (lua_toboolean(L, 4) && uv_fileno(&h->u.h, &fd) == 0) {
                int one = 1;
                setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
            }
            r = uv_tcp_bind(&h->u.tcp, (struct sockaddr *)&ss, 0);
        } else if (r == 0) {
            r = uv_udp_bind(&h->u.udp, (struct sockaddr *)&ss, UV_UDP_REUSEADDR);
        }
    }
    if (r != 0) return net_fail(L, r);
    lua_pushboolean(L, 1);
    return 1;
}

static void net_acc_ready(uv_poll_t *p, int status, int events);

static void net_acc_retry(uv_timer_t *t)
{
    NetAcc *a = t->data;
    a->paused = 0;
    if (a->h && a->fd < 0) uv_poll_start(&a->poll, UV_READABLE, net_acc_ready);
}

/* An accept failed: report it and stop polling for a while (a descriptor
 * shortage would otherwise make the listening socket readable forever). */
static void net_acc_fail(NetAcc *a, int err)
{
    uv_poll_stop(&a->poll);
    a->paused = 1;
    uv_timer_start(&a->retry, net_acc_retry, NET_ACCEPT_RETRY_MS, 0);
    net_emit_err(a->h, "a", err);
}

/* The listening socket is readable: accept and emit "a" per connection
 * until none is pending, the Lua side leaves one untaken, or a failure. */
static void net_acc_ready(uv_poll_t *p, int status, int events)
{
    NetAcc *a = p->data;
    (void)events;
    if (status < 0) { net_acc_fail(a, status); return; }
    for (int i = 0; i < NET_ACCEPT_BURST && a->h && !net_dead(a->h) && a->fd < 0; i++) {
        int fd = accept(a->lfd, NULL, NULL);   /* uv_*_open makes it non-blocking */
        if (fd < 0) {
            int e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK) return;
            if (e == EINTR || e == ECONNABORTED) continue;
            net_acc_fail(a, -e);
            return;
        }
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        a->fd = fd;
        lua_pushstring(a->h->ns->L, "a");
        net_emit(a->h, 1);
    }
    if (a->h && a->fd >= 0) uv_poll_stop(&a->poll);   /* resumed by net_accept */
}

/* listen(h, backlog) -> true | nil, err... ; each pending connection emits "a". */
static int net_listen(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    int backlog = (int)luaL_optinteger(L, 2, 100);
    if (h->acc) { lua_pushboolean(L, 1); return 1; }
    if (h->kind == NET_TCP && h->u.tcp.delayed_error != 0) return net_fail(L, h->u.tcp.delayed_error);
    uv_os_fd_t fd;
    int r = uv_fileno(&h->u.h, &fd);
    if (r != 0) return net_fail(L, r);
    if (listen(fd, backlog) != 0) return net_fail(L, -errno);
    NetAcc *a = calloc(1, sizeof *a);
    if (!a) return net_fail(L, UV_ENOMEM);
    r = uv_poll_init_socket(h->ns->loop, &a->poll, fd);
    if (r != 0) { free(a); return net_fail(L, r); }
    uv_timer_init(h->ns->loop, &a->retry);
    a->poll.data = a->retry.data = a;
    a->h = h;
    a->lfd = fd;
    a->fd = -1;
    a->open = 2;
    h->acc = a;
    uv_poll_start(&a->poll, UV_READABLE, net_acc_ready);
    lua_pushboolean(L, 1);
    return 1;
}

/* accept(server, client) -> true | nil, err... (EAGAIN: nothing pending). */
static int net_accept(lua_State *L)
{
    NetHandle *s = net_check(L, 1);
    NetHandle *c = net_check(L, 2);
    NetAcc *a = s->acc;
    if (!a || a->fd < 0) return net_fail(L, UV_EAGAIN);
    int fd = a->fd;
    a->fd = -1;
    if (!a->paused) uv_poll_start(&a->poll, UV_READABLE, net_acc_ready);
    int r = c->kind == NET_PIPE ? uv_pipe_open(&c->u.pipe, fd) : uv_tcp_open(&c->u.tcp, fd);
    if (r != 0) { close(fd); return net_fail(L, r); }
    lua_pushboolean(L, 1);
    return 1;
}

typedef struct NetReq {
    union { uv_connect_t c; uv_shutdown_t s; uv_write_t w; uv_udp_send_t u; } r;
    NetHandle *h;
    size_t len;
    char data[];    /* write payload */
} NetReq;

static void net_req_done(NetReq *q, const char *ev, int status)
{
    NetHandle *h = q->h;
    free(q);
    if (net_dead(h)) return;   /* the Lua side already gave up on this handle */
    if (status < 0) { net_emit_err(h, ev, status); return; }
    lua_pushstring(h->ns->L, ev);
    net_emit(h, 1);
}

static void net_connect_cb(uv_connect_t *req, int status) { net_req_done((NetReq *)req, "c", status); }
static void net_shutdown_cb(uv_shutdown_t *req, int status) { net_req_done((NetReq *)req, "s", status); }

/* connect(h, ip_or_path, port) -> true | nil, err... ; completion emits "c". */
static int net_connect(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    const char *where = luaL_checkstring(L, 2);
    NetReq *q = calloc(1, sizeof *q);
    if (!q) return net_fail(L, UV_ENOMEM);
    q->h = h;
    if (h->kind == NET_PIPE) {
        uv_pipe_connect(&q->r.c, &h->u.pipe, where, net_connect_cb);
    } else {
        struct sockaddr_storage ss;
        int r = net_parse_addr(where, (int)luaL_checkinteger(L, 3), &ss);
        if (r == 0) r = uv_tcp_connect(&q->r.c, &h->u.tcp, (struct sockaddr *)&ss, net_connect_cb);
        if (r != 0) { free(q); return net_fail(L, r); }
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* shutdown(h) -> true | nil, err... ; emits "s" once queued writes are done. */
static int net_shutdown(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    NetReq *q = calloc(1, sizeof *q);
    if (!q) return net_fail(L, UV_ENOMEM);
    q->h = h;
    int r = uv_shutdown(&q->r.s, &h->u.s, net_shutdown_cb);
    if (r != 0) { free(q); return net_fail(L, r); }
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- reading ------------------------------------------------------------- */

static void net_alloc_cb(uv_handle_t *uh, size_t hint, uv_buf_t *buf)
{
    NetHandle *h = uh->data;
    (void)hint;
    if (h->ns->rbuf_busy) { buf->base = NULL; buf->len = 0; return; }
    h->ns->rbuf_busy = 1;
    buf->base = h->ns->rbuf;
    buf->len = NET_RBUF;
}

static void net_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    NetHandle *h = s->data;
    lua_State *L = h->ns->L;
    if (buf->base == h->ns->rbuf) h->ns->rbuf_busy = 0;
    if (n == 0 || net_dead(h)) return;
    if (n == UV_EOF) { lua_pushstring(L, "eof"); net_emit(h, 1); return; }
    if (n < 0) { uv_read_stop(s); net_emit_err(h, "rerr", (int)n); return; }
    net_emit_data(h, buf->base, (size_t)n);
}

static int net_read_start(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    int r = uv_read_start(&h->u.s, net_alloc_cb, net_read_cb);
    if (r != 0 && r != UV_EALREADY) return net_fail(L, r);
    lua_pushboolean(L, 1);
    return 1;
}

static int net_read_stop(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    uv_read_stop(&h->u.s);
    return 0;
}

/* ---- writing ------------------------------------------------------------- */

static void net_write_cb(uv_write_t *req, int status)
{
    NetReq *q = (NetReq *)req;
    NetHandle *h = q->h;
    free(q);
    if (net_dead(h)) return;
    lua_State *L = h->ns->L;
    if (status < 0) { net_emit_err(h, "w", status); return; }
    lua_pushstring(L, "w");
    lua_pushinteger(L, (lua_Integer)h->u.s.write_queue_size);
    net_emit(h, 2);
}

/* write(h, data) -> bytes still queued | nil, err... . Tries a direct write
 * first; the rest is copied and queued ("w" reports the queue size when a
 * queued write finishes). */
static int net_write(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    size_t off = 0;
    if (h->u.s.write_queue_size == 0 && len > 0) {
        uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
        int n = uv_try_write(&h->u.s, &b, 1);
        if (n > 0) off = (size_t)n;
        else if (n != UV_EAGAIN && n != UV_ENOSYS) return net_fail(L, n);
    }
    if (off < len) {
        NetReq *q = malloc(sizeof *q + (len - off));
        if (!q) return net_fail(L, UV_ENOMEM);
        q->h = h;
        q->len = len - off;
        memcpy(q->data, data + off, len - off);
        uv_buf_t b = uv_buf_init(q->data, (unsigned)q->len);
        int r = uv_write(&q->r.w, &h->u.s, &b, 1, net_write_cb);
        if (r != 0) { free(q); return net_fail(L, r); }
    }
    lua_pushinteger(L, (lua_Integer)h->u.s.write_queue_size);
    return 1;
}

static int net_write_queue_size(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    lua_pushinteger(L, (lua_Integer)h->u.s.write_queue_size);
    return 1;
}

/* nodelay(h, on) for TCP. */
static int net_nodelay(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    if (h->kind == NET_TCP) uv_tcp_nodelay(&h->u.tcp, lua_toboolean(L, 2));
    return 0;
}

/* ---- UDP ----------------------------------------------------------------- */

static void net_udp_recv_cb(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags)
{
    NetHandle *h = u->data;
    lua_State *L = h->ns->L;
    (void)flags;
    if (buf->base == h->ns->rbuf) h->ns->rbuf_busy = 0;
    if (net_dead(h) || (n == 0 && addr == NULL)) return;
    if (n < 0) { net_emit_err(h, "derr", (int)n); return; }
    lua_pushstring(L, "d");
    lua_pushlstring(L, buf->base, (size_t)n);
    int na = net_push_addr(L, addr);
    net_emit(h, 2 + na);
}

static int net_udp_recv_start(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    int r = uv_udp_recv_start(&h->u.udp, net_alloc_cb, net_udp_recv_cb);
    if (r != 0 && r != UV_EALREADY) return net_fail(L, r);
    lua_pushboolean(L, 1);
    return 1;
}

/* udp_send(h, data, ip, port) -> true | nil, err... (sent synchronously when
 * possible, else queued; a queued failure is dropped, as UDP may drop). */
static void net_udp_send_cb(uv_udp_send_t *req, int status) { (void)status; free(req); }

static int net_udp_send(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    struct sockaddr_storage ss;
    int r = net_parse_addr(luaL_checkstring(L, 3), (int)luaL_checkinteger(L, 4), &ss);
    if (r != 0) return net_fail(L, r);
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    r = uv_udp_try_send(&h->u.udp, &b, 1, (struct sockaddr *)&ss);
    if (r == UV_EAGAIN || r == UV_ENOSYS) {
        NetReq *q = malloc(sizeof *q + len);
        if (!q) return net_fail(L, UV_ENOMEM);
        q->h = h;
        memcpy(q->data, data, len);
        b = uv_buf_init(q->data, (unsigned)len);
        r = uv_udp_send(&q->r.u, &h->u.udp, &b, 1, (struct sockaddr *)&ss, net_udp_send_cb);
        if (r != 0) free(q);
    }
    if (r < 0) return net_fail(L, r);
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- getaddrinfo --------------------------------------------------------- */

typedef struct NetGai {
    uv_getaddrinfo_t req;
    NetState *ns;
    int fnref;
} NetGai;

/* Calls fn(list) with list = {{family, socktype, proto, ip, port}, ...} or
 * fn(nil, name, msg, errno). */
static void net_gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    NetGai *g = (NetGai *)req;
    lua_State *L = g->ns->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, g->fnref);
    luaL_unref(L, LUA_REGISTRYINDEX, g->fnref);
    int nargs;
    if (status < 0) {
        lua_pushnil(L);
        nargs = 1 + net_push_err(L, status);
    } else {
        lua_newtable(L);
        int i = 0;
        for (struct addrinfo *a = res; a; a = a->ai_next) {
            if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
            lua_createtable(L, 5, 0);
            lua_pushinteger(L, a->ai_family); lua_rawseti(L, -2, 1);
            lua_pushinteger(L, a->ai_socktype); lua_rawseti(L, -2, 2);
            lua_pushinteger(L, a->ai_protocol); lua_rawseti(L, -2, 3);
            net_push_addr(L, a->ai_addr);
            lua_pop(L, 1);
            lua_rawseti(L, -3, 5);
            lua_rawseti(L, -2, 4);
            lua_rawseti(L, -2, ++i);
        }
        nargs = 1;
    }
    uv_freeaddrinfo(res);
    free(g);
    if (lua_pcall(L, nargs, 0, 0) != LUA_OK) {
        fprintf(stderr, "aio: internal error in a resolver callback: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}

/* getaddrinfo(host|nil, port|service|nil, family, socktype, flags, fn) -> true | nil, err... */
static int net_getaddrinfo(lua_State *L)
{
    NetState *ns = net_state(L);
    const char *host = luaL_optstring(L, 1, NULL);
    const char *serv = luaL_optstring(L, 2, NULL);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = (int)luaL_optinteger(L, 3, AF_UNSPEC);
    hints.ai_socktype = (int)luaL_optinteger(L, 4, 0);
    hints.ai_flags = (int)luaL_optinteger(L, 5, 0);
    luaL_checktype(L, 6, LUA_TFUNCTION);
    NetGai *g = calloc(1, sizeof *g);
    if (!g) return net_fail(L, UV_ENOMEM);
    g->ns = ns;
    lua_pushvalue(L, 6);
    g->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
    int r = uv_getaddrinfo(ns->loop, &g->req, net_gai_cb, host, serv, &hints);
    if (r != 0) {
        luaL_unref(L, LUA_REGISTRYINDEX, g->fnref);
        free(g);
        return net_fail(L, r);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* strerror(errno) -> text, for messages built on the Lua side. */
static int net_strerror(lua_State *L)
{
    lua_pushstring(L, strerror((int)luaL_checkinteger(L, 1)));
    return 1;
}

/* fileno(h) -> the descriptor, or nil. */
static int net_fileno(lua_State *L)
{
    NetHandle *h = net_check(L, 1);
    uv_os_fd_t fd;
    if (uv_fileno(&h->u.h, &fd) != 0) return 0;
    lua_pushinteger(L, fd);
    return 1;
}

/* is_handle(x) -> whether x is a net handle userdata. */
static int net_is_handle(lua_State *L)
{
    lua_pushboolean(L, luaL_testudata(L, 1, NET_MT) != NULL);
    return 1;
}

void native_net_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"net_tcp_new", net_tcp_new},
        {"net_pipe_new", net_pipe_new},
        {"net_udp_new", net_udp_new},
        {"net_close", net_close},
        {"net_bind", net_bind},
        {"net_listen", net_listen},
        {"net_accept", net_accept},
        {"net_connect", net_connect},
        {"net_shutdown", net_shutdown},
        {"net_read_start", net_read_start},
        {"net_read_stop", net_read_stop},
        {"net_write", net_write},
        {"net_write_queue_size", net_write_queue_size},
        {"net_nodelay", net_nodelay},
        {"net_getsockname", net_getsockname},
        {"net_getpeername", net_getpeername},
        {"net_udp_recv_start", net_udp_recv_start},
        {"net_udp_send", net_udp_send},
        {"net_getaddrinfo", net_getaddrinfo},
        {"net_strerror", net_strerror},
        {"net_is_handle", net_is_handle},
        {"net_fileno", net_fileno},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, NET_MT)) {
        lua_pushcfunction(L, net_close);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "net handle");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LOOP_REGISTRY_KEY);
    LoopState *ls = lua_touserdata(L, -1);
    lua_pop(L, 1);
    NetState *ns = lua_newuserdatauv(L, sizeof *ns, 0);
    ns->loop = &ls->uv;
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    ns->L = lua_tothread(L, -1);
    lua_pop(L, 1);
    ns->rbuf_busy = 0;
    luaL_getmetatable(L, NET_MT);
    ns->mt = lua_topointer(L, -1);   /* kept alive by the registry */
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, NET_STATE_KEY);   /* keeps it alive */
    luaL_setfuncs(L, fns, 1);
}
