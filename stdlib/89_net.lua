-- 89_net.lua - networking over the natives of stdlib/net_native.c: asyncio
-- streams (open_connection, start_server, StreamReader/StreamWriter, Server,
-- Unix variants), the `socket` module (socket objects, getaddrinfo, constants,
-- gaierror), the loop's sock_* / getaddrinfo methods and a small datagram API.
--
-- A "conn" is the Lua state of one stream handle: the received bytes not yet
-- consumed (buf, one Lua string), eof/err, at most one task waiting for data
-- (rwait), the write queue size (wq) reported by the native layer and the
-- tasks waiting in drain(). Native events arrive through conn_event.
local aio = ...

local rawget, rawequal, setmetatable, getmetatable, type, pcall, tostring =
  rawget, rawequal, setmetatable, getmetatable, type, pcall, tostring
local sfind, ssub, slower = string.find, string.sub, string.lower
local None, throw, isinst = aio.None, aio.throw, aio.isinst
local N = aio.native
local ax = aio.ax
local nn = ax.nn
local Future = aio.Future

local AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6 = 0, 1, 2, 10
local SOCK_STREAM, SOCK_DGRAM = 1, 2
local AI_PASSIVE = 1
local DEFAULT_LIMIT = 65536             -- StreamReader limit (asyncio's 2**16)
local HIGH_WATER, LOW_WATER = 65536, 16384   -- drain() marks (asyncio's defaults)

local function tuple(...) local t = { ... } local r = {} for i = 1, select("#", ...) do r[i - 1] = t[i] end return aio.tuple_raw(r) end
local function bytes(s) return aio.bytes(s) end
local function bval(b, what)
  local s = aio.bytes_value(b)
  if s == nil then
    local bv = getmetatable(b) == aio.Bytearray and aio.bytes_value(b)
    if bv then return bv end
    throw(aio.TypeError, (what or "data argument") .. " must be a bytes-like object, not '" .. aio.tname(b) .. "'")
  end
  return s
end

---------------------------------------------------------------------------
-- errors
---------------------------------------------------------------------------
local gaierror = aio.class("gaierror", { aio.OSError })
gaierror.__module__ = "socket"
gaierror.aio_user = nil
aio.exc_order[#aio.exc_order + 1] = gaierror
aio.gaierror = gaierror

local by_name = {
  ECONNREFUSED = aio.ConnectionRefusedError, ECONNRESET = aio.ConnectionResetError,
  EPIPE = aio.BrokenPipeError, ETIMEDOUT = aio.TimeoutError, ECONNABORTED = aio.ConnectionAbortedError,
  ENOENT = aio.FileNotFoundError, EACCES = aio.PermissionError, EPERM = aio.PermissionError,
  gaierror = gaierror,
}

-- The exception for a native failure (name, message, errno); text replaces
-- the message when given.
local function net_exc(name, msg, errno, text)
  local cls = by_name[name] or aio.OSError
  return cls(errno or None, text or msg or name)
end
aio.net_exc = net_exc

local function raise_net(name, msg, errno, text) aio.raise(net_exc(name, msg, errno, text)) end

local function check(ok, name, msg, errno)
  if ok == nil then raise_net(name, msg, errno) end
  return ok
end

local function addr_repr(ip, port)
  if sfind(ip, ":", 1, true) then return "('" .. ip .. "', " .. port .. ", 0, 0)" end
  return "('" .. ip .. "', " .. port .. ")"
end
local function addr_tuple(ip, port, family)
  if ip == nil then return None end
  if port == nil then return ip end      -- a Unix socket path
  if family == AF_INET6 then return tuple(ip, port, 0, 0) end
  return tuple(ip, port)
end

---------------------------------------------------------------------------
-- futures
---------------------------------------------------------------------------
local function fut_pending(f) return f and f.st == "PENDING" end
local function resolve(f, v) if fut_pending(f) then ax.set_result(f, v) end end
local function reject(f, e) if fut_pending(f) then Future.set_exception(f, e) end end

-- Awaits a fresh future completed by a native callback.
local function wait(f) return aio.await_future(f) end

---------------------------------------------------------------------------
-- resolver
---------------------------------------------------------------------------
local hosts_file_lookup   -- (defined with the socket objects)
local function is_numeric(host)
  return sfind(host, "^%d+%.%d+%.%d+%.%d+$") ~= nil or sfind(host, ":", 1, true) ~= nil
end

-- getaddrinfo on libuv's thread pool; returns a Lua array of
-- {family, socktype, proto, ip, port}. Raises socket.gaierror.
local function resolve_all(host, port, family, socktype, flags)
  local f = aio.new_future()
  local service = port ~= nil and tostring(port) or nil
  check(N.net_getaddrinfo(host, service, family or 0, socktype or 0, flags or 0, function(list, name, msg, errno)
    if list then resolve(f, list) else reject(f, net_exc(name, msg, errno)) end
  end))
  local list = wait(f)
  if #list == 0 then raise_net("gaierror", "Name or service not known", -2) end
  return list
end

-- Addresses to try for (host, port): numeric hosts skip the resolver.
local function addresses(host, port, family, passive)
  if host == nil then
    return { { family == AF_INET6 and AF_INET6 or AF_INET, SOCK_STREAM, 6, family == AF_INET6 and "::" or "0.0.0.0", port } }
  end
  if is_numeric(host) then
    return { { sfind(host, ":", 1, true) and AF_INET6 or AF_INET, SOCK_STREAM, 6, host, port } }
  end
  local list = resolve_all(host, port, family, SOCK_STREAM, passive and AI_PASSIVE or 0)
  -- one entry per address (the resolver repeats them per socket type)
  local out, seen = {}, {}
  for i = 1, #list do
    local a = list[i]
    if not seen[a[4]] then seen[a[4]] = true out[#out + 1] = a end
  end
  return out
end

---------------------------------------------------------------------------
-- conn: one stream handle's state
---------------------------------------------------------------------------
-- c.rwait is the task parked in conn_wait_data (aio.park: no Future per wait).
local park, unpark = aio.park, aio.unpark
local function wake_reader(c)
  local t = c.rwait
  if t then c.rwait = nil unpark(t) end
end

local function wake_drainers(c, e)
  local ws = c.dwait
  if ws == nil then return end
  c.dwait = nil
  for i = 1, #ws do if e then reject(ws[i], e) else resolve(ws[i], true) end end
end

local function conn_closed(c)
  c.closed = true
  wake_reader(c)
  wake_drainers(c, c.werr)
  if c.on_close then c.on_close(c) end
  resolve(c.close_fut, None)
end

local function conn_close(c)
  if c.closed then return end
  c.closing = true
  if c.wq > 0 and not c.werr then return end   -- closes when the queue drains
  N.net_close(c.h)
  conn_closed(c)
end

-- Received data (the native calls it directly, see new_conn): buffered; the
-- parked reader wakes, or reading pauses when too much is buffered.
local function conn_data(c, a)
  if c.buf == "" and c.pn == 0 then c.buf = a
  else local n = c.pn + 1 c.pend[n] = a c.pn = n c.plen = c.plen + #a end
  local t = c.rwait
  if t then
    c.rwait = nil
    unpark(t)
  elseif #c.buf + c.plen > 2 * c.limit then
    N.net_read_stop(c.h)
    c.reading = false
  end
end

local function conn_event(c, ev, a, b, d)
  if ev == "r" then
    conn_data(c, a)
  elseif ev == "w" then
    if a == nil or type(a) == "string" then
      c.werr = net_exc(a, b, d)
      c.wq = 0
      wake_drainers(c, c.werr)
      if c.closing then conn_close(c) end
      return
    end
    c.wq = a
    if a <= c.low then wake_drainers(c) end
    if a == 0 and c.closing then conn_close(c) end
  elseif ev == "eof" then
    c.eof = true
    wake_reader(c)
  elseif ev == "rerr" then
    c.eof = true
    c.rerr = net_exc(a, b, d)
    wake_reader(c)
  elseif ev == "c" then
    if a == nil then resolve(c.conn_fut, true) else reject(c.conn_fut, net_exc(a, b, d)) end
  elseif ev == "s" then
    -- write_eof finished
  end
end

local function new_conn(kind, family, limit)
  local c = { buf = "", pend = {}, pn = 0, plen = 0, eof = false, wq = 0, limit = limit or DEFAULT_LIMIT, low = LOW_WATER, high = HIGH_WATER,
              reading = false, closed = false, closing = false }
  local h
  if kind == "pipe" then h = check(N.net_pipe_new(conn_event, nil, c, conn_data))
  else h = check(N.net_tcp_new(conn_event, family, c, conn_data)) end
  c.h = h
  c.kind = kind
  return c
end

-- Received data: c.buf plus the chunks c.pend[1..c.pn] (c.plen bytes), joined
-- only when a reader needs one string, so a long read(-1) stays linear.
local function flat(c)
  if c.pn > 0 then
    c.buf = c.buf .. table.concat(c.pend, "", 1, c.pn)
    c.pend, c.pn, c.plen = {}, 0, 0
  end
  return c.buf
end
local function blen(c) return #c.buf + c.plen end

-- Waits until c has buffered data, EOF or an error (asyncio's _wait_for_data).
local function conn_wait_data(c, who)
  if c.rwait then
    throw(aio.RuntimeError, who .. "() called while another coroutine is already waiting for incoming data")
  end
  if c.closed then return end
  if not c.reading then check(N.net_read_start(c.h)) c.reading = true end
  local t = aio.current_task()
  if t == nil then throw(aio.RuntimeError, "no running event loop") end
  c.rwait = t
  if not park() then
    if c.rwait == t then c.rwait = nil end
    aio.raise_cancel()
  end
end

local function conn_take(c, n)
  local buf = flat(c)
  local s
  if n >= #buf then s, c.buf = buf, "" else s, c.buf = ssub(buf, 1, n), ssub(buf, n + 1) end
  if not c.reading and not c.eof and not c.closed and #c.buf <= c.limit then
    N.net_read_start(c.h)
    c.reading = true
  end
  return s
end

local function conn_raise_rerr(c)
  if c.rerr then local e = c.rerr c.rerr = nil c.rerr_seen = e aio.raise(e) end
end

-- read(n): up to n bytes (n < 0: until EOF).
local function conn_read(c, n)
  n = n or -1
  if n == 0 then return "" end
  if n < 0 then
    while not c.eof and not c.closed do conn_wait_data(c, "read") conn_raise_rerr(c) end
    conn_raise_rerr(c)
    return conn_take(c, blen(c))
  end
  if blen(c) == 0 and not c.eof then conn_wait_data(c, "read") end
  if blen(c) == 0 then conn_raise_rerr(c) end
  return conn_take(c, n)
end

local function conn_write(c, s)
  if c.closing or c.closed then return end
  if c.werr then return end
  local q, name, msg, errno = N.net_write(c.h, s)
  if q == nil then
    c.werr = net_exc(name, msg, errno)
    return
  end
  c.wq = q
end

local function conn_drain(c, to)
  -- after a reset asyncio's transport is gone and drain() says so, whatever the write got
  if c.rerr_seen or c.rerr then aio.raise(aio.ConnectionResetError("Connection lost")) end
  if c.werr then aio.raise(c.werr) end
  if c.closed then return end
  to = to or c.high
  if c.wq <= to then return end
  local f = aio.new_future()
  local ws = c.dwait
  if ws == nil then c.dwait = { f } else ws[#ws + 1] = f end
  local ok, e = pcall(wait, f)
  if not ok then
    if c.dwait then ax.remove(c.dwait, f) end
    error(e, 0)
  end
end

-- Connects c to one address (ip/port or a path); raises on failure.
local function conn_connect(c, where, port)
  c.conn_fut = aio.new_future()
  check(N.net_connect(c.h, where, port))
  wait(c.conn_fut)
  c.conn_fut = nil
end

---------------------------------------------------------------------------
-- StreamReader / StreamWriter
---------------------------------------------------------------------------
local IncompleteReadError = ax.exc_class("IncompleteReadError", aio.EOFError, "exceptions")
local LimitOverrunError = ax.exc_class("LimitOverrunError", aio.Exception, "exceptions")

local function incomplete(partial, expected)
  local e = ax.new_exc(IncompleteReadError, #partial .. " bytes read on a total of " ..
    (expected and tostring(expected) or "undefined") .. " expected bytes")
  e.partial = bytes(partial)
  e.expected = expected or None
  return e
end
IncompleteReadError.aio_new = aio.def(function(cls, partial, expected)
  local e = incomplete(bval(partial, "partial"), nn(expected))
  return setmetatable(e, cls)
end, "IncompleteReadError", { name = "IncompleteReadError", params = { "cls", "partial", "expected" }, builtin = true })

local function overrun(msg, consumed)
  local e = ax.new_exc(LimitOverrunError, msg)
  e.consumed = consumed
  return e
end

-- An async method whose body fn also runs directly for `await o.name(...)`
-- (aio.acallmN): no coroutine object on the hot read/drain path.
local function amethod(cls, name, params, fn)
  ax.amethod(cls, name, params, fn)
  aio.async_method(rawget(cls, name), fn)
end

local StreamReader = ax.class("StreamReader", "streams")
local StreamWriter = ax.class("StreamWriter", "streams")

local function new_reader(c)
  return setmetatable({ c = c }, StreamReader)
end

-- A reader not attached to a connection (feed_data / feed_eof only).
ax.ctor(StreamReader, { "limit" }, function(_, limit)
  local c = { buf = "", pend = {}, pn = 0, plen = 0, eof = false, wq = 0, limit = nn(limit) or DEFAULT_LIMIT, reading = true, closed = false, fed = true }
  return new_reader(c)
end)

local function readuntil(r, sep)
  local c = r.c
  if sep == "" then throw(aio.ValueError, "Separator should be at least one-byte string") end
  local from = 1
  while true do
    flat(c)
    local i = sfind(c.buf, sep, from, true)
    if i then
      local len = i - 1 + #sep
      if i - 1 > c.limit then
        aio.raise(overrun("Separator is found, but chunk is longer than limit", i - 1))
      end
      return conn_take(c, len)
    end
    if #c.buf + 1 - #sep > c.limit then
      aio.raise(overrun("Separator is not found, and chunk exceed the limit", #c.buf + 1 - #sep))
    end
    if c.eof or c.closed then
      conn_raise_rerr(c)
      local partial = conn_take(c, #c.buf)
      aio.raise(incomplete(partial, nil))
    end
    from = #c.buf - #sep + 2
    if from < 1 then from = 1 end
    conn_wait_data(c, "readuntil")
  end
end

-- read(n): the echo-style hot path (one chunk buffered, n covers it) hands
-- the received string over as is.
local BS, Bytes = aio.BYTES_KEY, aio.Bytes
local mtype, current_task, net_write = math.type, aio.current_task, N.net_write
amethod(StreamReader, "read", { "n" }, function(r, n)
  local c = r.c
  if mtype(n) == "integer" and n > 0 and c.pn == 0 then
    if c.buf == "" and not c.eof then
      -- conn_wait_data's common case inline: reading, no other waiter
      local t = not (c.rwait or c.closed or not c.reading) and current_task()
      if t then
        c.rwait = t
        if not park() then
          if c.rwait == t then c.rwait = nil end
          aio.raise_cancel()
        end
      else
        conn_wait_data(c, "read")
      end
    end
    local s = c.buf
    if c.pn == 0 and s ~= "" and n >= #s then
      c.buf = ""
      if not c.reading and not c.eof and not c.closed then N.net_read_start(c.h) c.reading = true end
      return setmetatable({ [BS] = s }, Bytes)
    end
  end
  return bytes(conn_read(c, nn(n) or -1))
end)
amethod(StreamReader, "readexactly", { "n" }, function(r, n)
  local c = r.c
  if n < 0 then throw(aio.ValueError, "readexactly size can not be less than zero") end
  while blen(c) < n and not c.eof and not c.closed do conn_wait_data(c, "readexactly") end
  if blen(c) < n then
    conn_raise_rerr(c)
    aio.raise(incomplete(conn_take(c, blen(c)), n))
  end
  return bytes(conn_take(c, n))
end)
amethod(StreamReader, "readuntil", { "separator" }, function(r, sep)
  return bytes(readuntil(r, sep == nil and "\n" or bval(sep, "separator")))
end)

local function readline(r)
  local ok, e = pcall(readuntil, r, "\n")
  if ok then return e end
  e = aio.exc(e)
  if isinst(e, IncompleteReadError) then return e.partial[aio.BYTES_KEY] end
  if isinst(e, LimitOverrunError) then
    local c = r.c
    flat(c)
    if ssub(c.buf, e.consumed + 1, e.consumed + 1) == "\n" then conn_take(c, e.consumed + 1)
    else c.buf = "" end
    throw(aio.ValueError, e.args[0])
  end
  aio.rethrow(e)
end
amethod(StreamReader, "readline", {}, function(r) return bytes(readline(r)) end)
ax.method(StreamReader, "at_eof", {}, function(r) return blen(r.c) == 0 and (r.c.eof or r.c.closed) end)
ax.method(StreamReader, "feed_data", { "data" }, function(r, d)
  local c = r.c
  c.buf = flat(c) .. bval(d)
  wake_reader(c)
  return None
end)
ax.method(StreamReader, "feed_eof", {}, function(r) r.c.eof = true wake_reader(r.c) return None end)
ax.method(StreamReader, "exception", {}, function(r) return r.c.rerr or None end)
ax.method(StreamReader, "__aiter__", {}, function(r) return r end)
amethod(StreamReader, "__anext__", {}, function(r)
  local line = readline(r)
  if line == "" then throw(aio.StopAsyncIteration) end
  return bytes(line)
end)
StreamReader.aio_repr = function(r)
  local c, parts = r.c, { "<StreamReader" }
  if blen(c) > 0 then parts[#parts + 1] = blen(c) .. " bytes" end
  if c.eof then parts[#parts + 1] = "eof" end
  if c.limit ~= DEFAULT_LIMIT then parts[#parts + 1] = "limit=" .. c.limit end
  return table.concat(parts, " ") .. ">"
end

local function new_writer(c, reader)
  return setmetatable({ c = c, reader = reader }, StreamWriter)
end

-- write(data): conn_write inline, bytes unwrapped inline (the echo hot path).
ax.method(StreamWriter, "write", { "data" }, function(w, d)
  local s
  if getmetatable(d) == Bytes then s = d[BS] else s = bval(d) end
  local c = w.c
  if c.closing or c.closed or c.werr then return None end
  local q, name, msg, errno = net_write(c.h, s)
  if q == nil then c.werr = net_exc(name, msg, errno) else c.wq = q end
  return None
end)
ax.method(StreamWriter, "writelines", { "data" }, function(w, it)
  local parts = {}
  for x in aio.iter(it) do parts[#parts + 1] = bval(x) end
  conn_write(w.c, table.concat(parts))
  return None
end)
-- drain(): returns at once when the queue is under the high-water mark and
-- nothing failed (conn_drain's checks, cheapest first).
amethod(StreamWriter, "drain", {}, function(w)
  local c = w.c
  if c.wq <= c.high and not (c.rerr_seen or c.rerr or c.werr) then return None end
  conn_drain(c)
  return None
end)
ax.method(StreamWriter, "close", {}, function(w) conn_close(w.c) return None end)
amethod(StreamWriter, "wait_closed", {}, function(w)
  local c = w.c
  if not c.closed then
    if c.close_fut == nil then c.close_fut = aio.new_future() end
    wait(c.close_fut)
  end
  return None
end)
ax.method(StreamWriter, "is_closing", {}, function(w) return w.c.closing or w.c.closed end)
ax.method(StreamWriter, "can_write_eof", {}, function() return true end)
ax.method(StreamWriter, "write_eof", {}, function(w)
  local c = w.c
  if c.closing or c.closed then return None end
  c.eof_sent = true
  check(N.net_shutdown(c.h))
  return None
end)

local function extra_info(c, name, default)
  if c.closed then return default end
  if name == "peername" or name == "sockname" then
    local fn = name == "peername" and N.net_getpeername or N.net_getsockname
    local ip, port, family = fn(c.h)
    if ip == nil then return default end
    if c.kind == "pipe" then return ip end
    return addr_tuple(ip, port, family)
  end
  if name == "socket" and c.sock then return c.sock end
  return default
end
ax.method(StreamWriter, "get_extra_info", { "name", "default" }, function(w, name, default)
  return extra_info(w.c, name, default == nil and None or default)
end)
ax.property(StreamWriter, "transport", function(w) return w end)
StreamWriter.aio_repr = function(w)
  return "<StreamWriter transport=<_SelectorSocketTransport" .. (w.c.closed and " closed" or "") .. ">>"
end

local function streams_for(c)
  local r = new_reader(c)
  return r, new_writer(c, r)
end

---------------------------------------------------------------------------
-- open_connection / open_unix_connection
---------------------------------------------------------------------------
local function connect_tcp(host, port, limit)
  host = nn(host)
  if port == nil or rawequal(port, None) then throw(aio.ValueError, "host and port was not specified and no sock specified") end
  local addrs = addresses(host, port, AF_UNSPEC, false)
  local errs = {}
  for i = 1, #addrs do
    local a = addrs[i]
    local c = new_conn("tcp", a[1], limit)
    local ok, e = pcall(conn_connect, c, a[4], a[5])
    if ok then
      N.net_nodelay(c.h, true)
      return c
    end
    N.net_close(c.h)
    e = aio.exc(e)
    if not isinst(e, aio.OSError) then aio.rethrow(e) end
    local errno = rawget(e, "errno")
    local strerror = errno ~= nil and errno ~= None and N.net_strerror(errno) or aio.str(e)
    errs[#errs + 1] = getmetatable(e)(errno or None, "Connect call failed " .. addr_repr(a[4], a[5]))
    if #addrs == 1 then break end
    local _ = strerror
  end
  if #errs == 1 then aio.raise(errs[1]) end
  local msgs = {}
  for i = 1, #errs do msgs[i] = aio.str(errs[i]) end
  aio.raise(aio.OSError("Multiple exceptions: " .. table.concat(msgs, ", ")))
end

local function open_connection(host, port, limit)
  local c = connect_tcp(host, port, nn(limit))
  return tuple(streams_for(c))
end

local function open_unix_connection(path, limit)
  local c = new_conn("pipe", nil, nn(limit))
  local ok, e = pcall(conn_connect, c, aio.fspath and aio.fspath(path) or path)
  if not ok then N.net_close(c.h) aio.rethrow(aio.exc(e)) end
  return tuple(streams_for(c))
end

---------------------------------------------------------------------------
-- socket objects (socket module); also Server.sockets
---------------------------------------------------------------------------
local Socket = aio.bclass("socket")
Socket.__module__ = "socket"
local SOCK_INTERNAL = { c = true, bound_l = true, opts = true, closed = true, await_accept = true,
  listening = true, dgram_addr = true, lconn = true }
Socket.__index = function(o, k)
  local m = rawget(Socket, k)
  if m ~= nil then
    if getmetatable(m) == aio.Property then return m.fget(o) end
    return m
  end
  if SOCK_INTERNAL[k] then return nil end
  throw(aio.AttributeError, "'socket' object has no attribute '" .. tostring(k) .. "'")
end


local function sock_new(family, stype, c)
  local s = setmetatable({ fam = family, typ = stype, c = c, pending = 0, blocking = true }, Socket)
  if c then c.sock = s end
  return s
end

-- The socket's conn, created on first use (TCP or pipe by family).
local function sock_conn(s)
  if s.closed then aio.raise(aio.OSError(9, "Bad file descriptor")) end
  local c = s.c
  if c == nil then
    if s.typ == SOCK_DGRAM then throw(aio.OSError, "datagram sockets: use loop.create_datagram_endpoint") end
    if s.fam == AF_UNIX then c = new_conn("pipe") else c = new_conn("tcp", s.fam) end
    c.sock = s
    s.c = c
  end
  return c
end

-- The synchronous socket.bind never blocks the loop on DNS: a host name is
-- looked up in /etc/hosts only (a local file, as the system resolver reads
-- first); anything else must be resolved with the async getaddrinfo.
hosts_file_lookup = function(name, v6)
  local f = io.open("/etc/hosts")
  if not f then return nil end
  name = slower(name)
  for line in f:lines() do
    line = string.gsub(line, "#.*", "")
    local ip, found = nil, false
    for field in string.gmatch(line, "%S+") do
      if ip == nil then ip = field elseif slower(field) == name then found = true break end
    end
    if found and (sfind(ip, ":", 1, true) ~= nil) == v6 then f:close() return ip end
  end
  f:close()
  return nil
end

local function sock_addr(s, addr)
  if s.fam == AF_UNIX then return aio.str(addr), nil end
  if getmetatable(addr) ~= aio.Tuple then
    throw(aio.TypeError, (s.fam == AF_INET6 and "AF_INET6" or "AF_INET") .. " address must be a tuple, not " .. aio.tname(addr))
  end
  local host, port = addr[0], addr[1]
  if host == "" then host = s.fam == AF_INET6 and "::" or "0.0.0.0" end
  if host == "localhost" then host = s.fam == AF_INET6 and "::1" or "127.0.0.1" end
  if not is_numeric(host) then
    local ip = hosts_file_lookup(host, s.fam == AF_INET6)
    if not ip then
      raise_net("gaierror", nil, -2, "Name or service not known ('" .. host .. "': bind() resolves only " ..
        "numeric addresses, localhost and names in /etc/hosts; use await loop.getaddrinfo() first)")
    end
    host = ip
  end
  return host, port
end

local SockArgs = { name = "socket", params = { "cls", "family", "type", "proto", "fileno" }, builtin = true }
Socket.aio_new = aio.def(function(_, family, stype)
  family, stype = nn(family) or AF_INET, nn(stype) or SOCK_STREAM
  if family ~= AF_INET and family ~= AF_INET6 and family ~= AF_UNIX then
    aio.raise(aio.OSError(97, "Address family not supported by protocol"))
  end
  return sock_new(family, stype, nil)
end, "socket", SockArgs)

local function smethod(name, params, fn, extra)
  local p = { "self" }
  for i = 1, #params do p[i + 1] = params[i] end
  aio.method(Socket, name, p, fn, extra)
end

smethod("setblocking", { "flag" }, function(s, f) s.blocking = aio.truthy(f) return None end)
smethod("getblocking", {}, function(s) return s.blocking end)
smethod("settimeout", { "value" }, function(s, v) s.blocking = rawequal(v, None) return None end)
smethod("setsockopt", { "level", "optname", "value", "optlen" }, function(s, level, opt, v)
  s.opts = s.opts or {}
  s.opts[opt] = v
  return None
end)
smethod("getsockopt", { "level", "optname", "buflen" }, function(s, level, opt)
  return s.opts and s.opts[opt] or 0
end)
smethod("getsockname", {}, function(s)
  local c = sock_conn(s)
  local ip, port, family = N.net_getsockname(c.h)
  if ip == nil then
    if s.fam == AF_UNIX then return "" end
    return s.fam == AF_INET6 and tuple("::", 0, 0, 0) or tuple("0.0.0.0", 0)
  end
  if c.kind == "pipe" then return ip end
  return addr_tuple(ip, port, family)
end)
smethod("getpeername", {}, function(s)
  local c = sock_conn(s)
  local ip, port, family, errno = N.net_getpeername(c.h)
  if ip == nil then aio.raise(aio.OSError(errno or 107, "Transport endpoint is not connected")) end
  if c.kind == "pipe" then return ip end
  return addr_tuple(ip, port, family)
end)
smethod("fileno", {}, function(s)
  local h = s.c and s.c.h or s.bound_l and s.bound_l.h
  if s.closed or not h then return -1 end
  return N.net_fileno(h) or -1
end)
smethod("close", {}, function(s)
  if s.closed then return None end
  if s.c then conn_close(s.c) end
  s.closed = true
  return None
end)
smethod("shutdown", { "how" }, function(s)
  if s.c and not s.c.closed then N.net_shutdown(s.c.h) end
  return None
end)
smethod("__enter__", {}, function(s) return s end)
smethod("__exit__", { "t", "v", "tb" }, function(s)
  if s.c then conn_close(s.c) end
  s.closed = true
  return None
end)
Socket.aio_repr = function(s)
  local fam = s.fam == AF_INET6 and "AF_INET6" or s.fam == AF_UNIX and "AF_UNIX" or "AF_INET"
  local typ = s.typ == SOCK_DGRAM and "SOCK_DGRAM" or "SOCK_STREAM"
  return "<socket.socket fd=" .. aio.str(Socket.fileno(s)) .. ", family=" .. fam .. ", type=" .. typ .. ", proto=0>"
end

---------------------------------------------------------------------------
-- listeners (shared by socket.listen + loop.sock_accept and start_server)
---------------------------------------------------------------------------
-- A listening conn: native "a" events call on_conn(listener) once per pending
-- connection. An accept failure pauses accepting for a second (the native
-- side retries; pending connections wait in the backlog) and is logged as
-- asyncio logs it, once per episode of failures.
local RESOURCE_ERRORS = { EMFILE = true, ENFILE = true, ENOBUFS = true, ENOMEM = true }

local function accept_failed(l, name, msg, errno)
  if l.accept_failing then return end
  l.accept_failing = true
  local where = ""
  local ip, port, family = N.net_getsockname(l.h)
  if ip then
    local laddr = port and aio.repr(addr_tuple(ip, port, family)) or aio.repr(ip)
    where = "socket: <asyncio.TransportSocket family=" .. tostring(family or AF_UNIX) ..
      ", type=1, proto=" .. (l.kind == "tcp" and "6" or "0") .. ", laddr=" .. laddr .. ">\n"
  end
  local head = RESOURCE_ERRORS[name] and "socket.accept() out of system resource" or "socket.accept() failed"
  io.stdout:flush()
  io.stderr:write(head, "\n", where, aio.format_exception(net_exc(name, msg, errno)))
  io.stderr:flush()
end

local function new_listener(kind, family, on_conn)
  local l = { kind = kind, family = family, closed = false }
  local fn = function(ev, a, b, d)
    if ev ~= "a" then return end
    if a ~= nil then accept_failed(l, a, b, d) return end
    l.accept_failing = false
    on_conn(l)
  end
  if kind == "pipe" then l.h = check(N.net_pipe_new(fn)) else l.h = check(N.net_tcp_new(fn, family)) end
  return l
end

-- Accepts one pending connection of listener l as a new conn (nil if none).
local function listener_accept(l, limit)
  local c = new_conn(l.kind, nil, limit)
  local ok = N.net_accept(l.h, c.h)
  if not ok then N.net_close(c.h) return nil end
  if l.kind == "tcp" then N.net_nodelay(c.h, true) end
  return c
end

-- socket.listen: the listener handle was made by bind.
smethod("listen", { "backlog" }, function(s, backlog)
  if s.closed then aio.raise(aio.OSError(9, "Bad file descriptor")) end
  if s.bound_l == nil then
    -- as Python: an unbound TCP socket gets an ephemeral port on every interface
    if s.fam == AF_UNIX then throw(aio.OSError, "listen() on an unbound Unix socket is not supported; bind first") end
    Socket.bind(s, tuple(s.fam == AF_INET6 and "::" or "0.0.0.0", 0))
  end
  check(N.net_listen(s.bound_l.h, nn(backlog) or 128))
  s.listening = true
  return None
end)
-- bind on a socket binds the listener handle too (binding happens before listen).
smethod("bind", { "address" }, function(s, addr)
  if s.typ == SOCK_DGRAM then s.dgram_addr = addr return None end
  if s.closed then aio.raise(aio.OSError(9, "Bad file descriptor")) end
  local host, port = sock_addr(s, addr)
  if s.bound_l == nil then
    s.bound_l = new_listener(s.fam == AF_UNIX and "pipe" or "tcp", s.fam, function()
      s.pending = s.pending + 1
      local f = s.await_accept
      if f then s.await_accept = nil resolve(f, true) end
    end)
  end
  local ok, name, msg, errno = N.net_bind(s.bound_l.h, host, port, s.opts and s.opts[15] ~= nil and aio.truthy(s.opts[15]))
  if not ok then raise_net(name, msg, errno) end
  s.c = nil
  s.lconn = { h = s.bound_l.h, kind = s.bound_l.kind }
  return None
end)
local base_getsockname = Socket.getsockname
Socket.getsockname = nil
smethod("getsockname", {}, function(s)
  if s.bound_l and not s.c then
    local ip, port, family = N.net_getsockname(s.bound_l.h)
    if s.bound_l.kind == "pipe" then return ip or "" end
    if ip then return addr_tuple(ip, port, family) end
  end
  return base_getsockname(s)
end)
local base_close = Socket.close
Socket.close = nil
smethod("close", {}, function(s)
  if s.bound_l and not s.bound_l.closed then s.bound_l.closed = true N.net_close(s.bound_l.h) end
  local f = s.await_accept
  if f then s.await_accept = nil reject(f, aio.OSError(9, "Bad file descriptor")) end
  return base_close(s)
end)
Socket.__exit__ = nil
smethod("__exit__", { "t", "v", "tb" }, function(s) Socket.close(s) return None end)


local function sock_accept(s)
  if not s.listening then aio.raise(aio.OSError(22, "Invalid argument")) end
  while s.pending == 0 do
    local f = aio.new_future()
    s.await_accept = f
    local ok, e = pcall(wait, f)
    if s.await_accept == f then s.await_accept = nil end
    if not ok then error(e, 0) end
  end
  s.pending = s.pending - 1
  local c = listener_accept(s.bound_l, nil)
  if c == nil then return sock_accept(s) end
  local cs = sock_new(s.fam, SOCK_STREAM, c)
  local addr
  if c.kind == "pipe" then addr = "" else
    local ip, port, family = N.net_getpeername(c.h)
    addr = addr_tuple(ip, port, family)
  end
  return tuple(cs, addr)
end

local function sock_recv(s, n)
  local c = sock_conn(s)
  return bytes(conn_read(c, n))
end

local function sock_sendall(s, data)
  local c = sock_conn(s)
  conn_write(c, bval(data))
  conn_drain(c, 0)
  return None
end

local function sock_connect(s, addr)
  local c = sock_conn(s)
  if c.kind == "pipe" then
    conn_connect(c, aio.str(addr))
    return None
  end
  local host, port = addr[0], addr[1]
  local list = addresses(host ~= "" and host or "127.0.0.1", port, s.fam, false)
  local a = list[1]
  local ok, e = pcall(conn_connect, c, a[4], a[5])
  if not ok then
    e = aio.exc(e)
    if isinst(e, aio.OSError) and rawget(e, "errno") ~= nil and rawget(e, "errno") ~= None then
      aio.raise(getmetatable(e)(e.errno, "Connect call failed " .. addr_repr(a[4], a[5])))
    end
    aio.rethrow(e)
  end
  return None
end

---------------------------------------------------------------------------
-- Server (start_server / start_unix_server)
---------------------------------------------------------------------------
local Server = ax.class("Server", "base_events")

local function server_on_conn(srv, l)
  local c = listener_accept(l, srv.limit or nil)
  if c == nil then return end
  srv.conns[c] = true
  c.on_close = function(cc) srv.conns[cc] = nil end
  local r, w = streams_for(c)
  local ok, res = pcall(srv.cb, r, w)
  if not ok then
    io.stdout:flush()
    io.stderr:write("Exception in callback\n", aio.format_exception(aio.exc(res)))
    return
  end
  if aio.is_coroutine(res) then aio.create_task(res) end
end

local function server_listen(srv)
  if srv.serving or srv.closed then return end
  for i = 1, #srv.listeners do
    check(N.net_listen(srv.listeners[i].h, srv.backlog))
  end
  srv.serving = true
end

local function server_close(srv)
  if srv.closed then return end
  srv.closed = true
  srv.serving = false
  for i = 1, #srv.listeners do N.net_close(srv.listeners[i].h) srv.listeners[i].closed = true end
  for i = 0, aio.seqlen(srv.socks) - 1 do srv.socks[i].closed = true end
  if srv.forever then aio.Future.cancel(srv.forever) end
  resolve(srv.closed_fut, None)
end

local function new_server(cb, listeners, backlog, limit, start)
  local srv = setmetatable({ cb = cb, listeners = listeners, backlog = backlog or 100, limit = limit or false,
                             conns = {}, closed = false, serving = false, forever = false, closed_fut = false }, Server)
  local socks = {}
  for i = 1, #listeners do
    local l = listeners[i]
    l.srv = srv
    local s = sock_new(l.family or AF_UNIX, SOCK_STREAM, nil)
    s.bound_l = l
    s.listening = true
    socks[i - 1] = s
  end
  srv.socks = aio.tuple_raw(socks)
  if start then server_listen(srv) end
  return srv
end

local function bind_error(a, name, msg, errno)
  local text = "error while attempting to bind on address " .. addr_repr(a[4], a[5]) .. ": " .. slower(msg or name)
  return aio.OSError(errno or None, text)
end

local function start_server(cb, host, port, limit, family, flags, sock, backlog, ssl, reuse_address, reuse_port, start_serving)
  limit, backlog = nn(limit), nn(backlog)
  local start = start_serving == nil or rawequal(start_serving, None) or aio.truthy(start_serving)
  local srv
  local listeners = {}
  if nn(sock) then
    local s = sock
    if not s.bound_l then throw(aio.ValueError, "the socket must be bound") end
    listeners[1] = s.bound_l
  else
    local addrs = addresses(nn(host), nn(port) or 0, nn(family) or AF_UNSPEC, true)
    for i = 1, #addrs do
      local a = addrs[i]
      local l
      l = new_listener("tcp", a[1], function(x) server_on_conn(srv, x) end)
      local ok, name, msg, errno = N.net_bind(l.h, a[4], a[5], aio.truthy(reuse_port or false))
      -- libuv reports EADDRINUSE at listen, so listen here to report it as a bind error
      if ok and start then ok, name, msg, errno = N.net_listen(l.h, backlog or 100) end
      if not ok then
        N.net_close(l.h)
        for j = 1, #listeners do N.net_close(listeners[j].h) end
        aio.raise(bind_error(a, name, msg, errno))
      end
      listeners[#listeners + 1] = l
    end
  end
  srv = new_server(cb, listeners, backlog, limit, false)
  if nn(sock) then listeners[1].srv = srv elseif start then srv.serving = true end
  if start and not srv.serving then
    local ok, e = pcall(server_listen, srv)
    if not ok then server_close(srv) error(e, 0) end
  end
  return srv
end

local function start_unix_server(cb, path, limit, sock, backlog, ssl, ssl_timeout, start_serving)
  local start = start_serving == nil or rawequal(start_serving, None) or aio.truthy(start_serving)
  local srv
  local l = new_listener("pipe", AF_UNIX, function(x) server_on_conn(srv, x) end)
  local ok, name, msg, errno = N.net_bind(l.h, aio.str(path))
  if not ok then N.net_close(l.h) raise_net(name, msg, errno) end
  srv = new_server(cb, { l }, nn(backlog), nn(limit), false)
  if start then server_listen(srv) end
  return srv
end

ax.method(Server, "close", {}, function(srv) server_close(srv) return None end)
amethod(Server, "wait_closed", {}, function(srv)
  if srv.closed then return None end
  if not srv.closed_fut then srv.closed_fut = aio.new_future() end
  wait(srv.closed_fut)
  return None
end)
amethod(Server, "start_serving", {}, function(srv) server_listen(srv) return None end)
amethod(Server, "serve_forever", {}, function(srv)
  if srv.forever then throw(aio.RuntimeError, "server " .. aio.repr(srv) .. " is already being awaited on serve_forever()") end
  if srv.closed then throw(aio.RuntimeError, "server " .. aio.repr(srv) .. " is closed") end
  server_listen(srv)
  srv.forever = aio.new_future()
  local ok, e = pcall(wait, srv.forever)
  srv.forever = nil
  if not ok then
    server_close(srv)
    error(e, 0)
  end
  return None
end)
ax.method(Server, "is_serving", {}, function(srv) return srv.serving end)
ax.method(Server, "get_loop", {}, function() return aio.get_running_loop() end)
ax.method(Server, "close_clients", {}, function(srv)
  for c in pairs(srv.conns) do conn_close(c) end
  return None
end)
ax.async_cm(Server, function(srv) return srv end, function(srv)
  server_close(srv)
end)
Server.aio_repr = function(srv)
  return "<Server sockets=" .. aio.repr(srv.socks) .. ">"
end
ax.property(Server, "sockets", function(srv) return srv.socks end)
ax.property(Socket, "family", function(s) return s.fam end)
ax.property(Socket, "type", function(s) return s.typ end)

---------------------------------------------------------------------------
-- datagrams: loop.create_datagram_endpoint(protocol_factory, local_addr=, remote_addr=)
---------------------------------------------------------------------------
local DatagramTransport = ax.class("_SelectorDatagramTransport", "selector_events")

local function dgram_call(proto, name, ...)
  local m = aio.getattr(proto, name, None)
  if not rawequal(m, None) then
    local ok, e = pcall(m, ...)
    if not ok then
      io.stdout:flush()
      io.stderr:write("Exception in callback\n", aio.format_exception(aio.exc(e)))
    end
  end
end

local function create_datagram_endpoint(factory, local_addr, remote_addr, family)
  local t = setmetatable({ closed = false }, DatagramTransport)
  local proto = factory()
  t.proto = proto
  local fam = nn(family) or AF_INET
  local laddr = nn(local_addr)
  local raddr = nn(remote_addr)
  local function ip_of(addr)
    local host = addr[0]
    if host == "localhost" then host = "127.0.0.1" end
    if not is_numeric(host) then host = addresses(host, addr[1], fam, false)[1][4] end
    return host, addr[1]
  end
  if raddr then
    t.rip, t.rport = ip_of(raddr)
    if sfind(t.rip, ":", 1, true) then fam = AF_INET6 end
  end
  if laddr then
    local ip = ip_of(laddr)
    if sfind(ip, ":", 1, true) then fam = AF_INET6 end
  end
  t.h = check(N.net_udp_new(function(ev, data, ip, port, family2)
    if t.closed then return end
    if ev == "d" then
      dgram_call(proto, "datagram_received", bytes(data), addr_tuple(ip, port, family2))
    elseif ev == "derr" then
      dgram_call(proto, "error_received", net_exc(data, ip, port))
    end
  end, fam))
  if laddr then
    local ip, port = ip_of(laddr)
    local ok, name, msg, errno = N.net_bind(t.h, ip, port)
    if not ok then N.net_close(t.h) raise_net(name, msg, errno) end
  else
    check(N.net_bind(t.h, fam == AF_INET6 and "::" or "0.0.0.0", 0))
  end
  check(N.net_udp_recv_start(t.h))
  dgram_call(proto, "connection_made", t)
  return tuple(t, proto)
end

ax.method(DatagramTransport, "sendto", { "data", "addr" }, function(t, data, addr)
  if t.closed then return None end
  local ip, port
  if addr == nil or rawequal(addr, None) then
    if not t.rip then throw(aio.ValueError, "Invalid address: must be None or " .. "a tuple") end
    ip, port = t.rip, t.rport
  else
    ip, port = addr[0], addr[1]
    if ip == "localhost" then ip = "127.0.0.1" end
  end
  local ok, name, msg, errno = N.net_udp_send(t.h, bval(data), ip, port)
  if not ok then dgram_call(t.proto, "error_received", net_exc(name, msg, errno)) end
  return None
end)
ax.method(DatagramTransport, "close", {}, function(t)
  if t.closed then return None end
  t.closed = true
  N.net_close(t.h)
  aio.call_soon(function() dgram_call(t.proto, "connection_lost", None) end, true)
  return None
end)
ax.method(DatagramTransport, "is_closing", {}, function(t) return t.closed end)
ax.method(DatagramTransport, "get_extra_info", { "name", "default" }, function(t, name, default)
  if name == "sockname" and not t.closed then
    local ip, port, family = N.net_getsockname(t.h)
    if ip then return addr_tuple(ip, port, family) end
  end
  if name == "peername" and t.rip then return addr_tuple(t.rip, t.rport) end
  return default == nil and None or default
end)

---------------------------------------------------------------------------
-- getaddrinfo (async)
---------------------------------------------------------------------------
local function getaddrinfo(host, port, family, stype, proto, flags)
  host = nn(host)
  port = nn(port)
  if host ~= nil and type(host) ~= "string" then host = aio.str(host) end
  local list = resolve_all(host, port, nn(family) or 0, nn(stype) or 0, nn(flags) or 0)
  local out = {}
  for i = 1, #list do
    local a = list[i]
    out[i - 1] = tuple(a[1], a[2], a[3], "", addr_tuple(a[4], a[5], a[1]))
  end
  return aio.list(out)
end

---------------------------------------------------------------------------
-- module wiring
---------------------------------------------------------------------------
local function afn(name, params, fn, extra)
  local spec = { name = name, params = params, builtin = true }
  if extra then for k, v in pairs(extra) do spec[k] = v end end
  return aio.def(function(...)
    local args = table.pack(...)
    return aio.coroutine(function() return fn(table.unpack(args, 1, args.n)) end, name)
  end, name, spec)
end

ax.extend(function(m)
  m.StreamReader, m.StreamWriter, m.Server = StreamReader, StreamWriter, Server
  m.IncompleteReadError, m.LimitOverrunError = IncompleteReadError, LimitOverrunError
  m.open_connection = afn("open_connection", { "host", "port" }, function(h, p, limit) return open_connection(h, p, limit) end,
    { kwonly = { "limit", "ssl", "family", "proto", "flags", "sock", "local_addr", "server_hostname" } })
  m.start_server = afn("start_server", { "client_connected_cb", "host", "port" }, start_server,
    { kwonly = { "limit", "family", "flags", "sock", "backlog", "ssl", "reuse_address", "reuse_port", "start_serving" } })
  m.open_unix_connection = afn("open_unix_connection", { "path" }, function(p, limit) return open_unix_connection(p, limit) end,
    { kwonly = { "limit", "ssl", "sock", "server_hostname" } })
  m.start_unix_server = afn("start_unix_server", { "client_connected_cb", "path" }, start_unix_server,
    { kwonly = { "limit", "sock", "backlog", "ssl", "ssl_handshake_timeout", "start_serving" } })
end)

-- loop methods
local loop = aio.get_running_loop()
local EventLoop = getmetatable(loop)
local function lmethod(name, params, fn, extra)
  local p = { "self" }
  for i = 1, #params do p[i + 1] = params[i] end
  local qual = "_UnixSelectorEventLoop." .. name
  aio.method(EventLoop, name, p, function(_, ...)
    local args = table.pack(...)
    return aio.coroutine(function() return fn(table.unpack(args, 1, args.n)) end, qual)
  end, extra)
end
lmethod("sock_accept", { "sock" }, sock_accept)
lmethod("sock_recv", { "sock", "nbytes" }, sock_recv)
lmethod("sock_recv_into", { "sock", "buf" }, function(s, buf)
  local data = conn_read(sock_conn(s), aio.len(buf))
  for i = 1, #data do buf[i - 1] = string.byte(data, i) end
  return #data
end)
lmethod("sock_sendall", { "sock", "data" }, sock_sendall)
lmethod("sock_connect", { "sock", "address" }, sock_connect)
lmethod("getaddrinfo", { "host", "port" }, getaddrinfo, { kwonly = { "family", "type", "proto", "flags" } })
lmethod("create_datagram_endpoint", { "protocol_factory", "local_addr", "remote_addr" },
  function(f, l, r, family) return create_datagram_endpoint(f, l, r, family) end,
  { kwonly = { "family", "proto", "flags", "reuse_port", "allow_broadcast", "sock" } })
lmethod("create_server", { "protocol_factory", "host", "port" }, function()
  throw(aio.NotImplementedError, "protocol-based servers are not supported; use asyncio.start_server")
end, { kwonly = { "family", "flags", "sock", "backlog", "ssl", "reuse_address", "reuse_port", "start_serving" } })

-- the socket module
aio.builtin_modules.socket = function()
  local m = aio.new_module("socket")
  m.socket = Socket
  m.SocketType = Socket
  m.gaierror = gaierror
  m.error = aio.OSError
  m.herror = aio.OSError
  m.timeout = aio.TimeoutError
  m.AF_UNSPEC, m.AF_UNIX, m.AF_INET, m.AF_INET6 = AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6
  m.SOCK_STREAM, m.SOCK_DGRAM = SOCK_STREAM, SOCK_DGRAM
  m.SOL_SOCKET, m.SO_REUSEADDR, m.SO_REUSEPORT, m.SO_KEEPALIVE = 1, 2, 15, 9
  m.IPPROTO_TCP, m.IPPROTO_UDP, m.TCP_NODELAY = 6, 17, 1
  m.AI_PASSIVE, m.AI_CANONNAME, m.AI_NUMERICHOST = AI_PASSIVE, 2, 4
  m.SHUT_RD, m.SHUT_WR, m.SHUT_RDWR = 0, 1, 2
  m.getaddrinfo = afn("getaddrinfo", { "host", "port", "family", "type", "proto", "flags" }, getaddrinfo)
  m.gethostname = aio.def(function()
    local f = io.open("/proc/sys/kernel/hostname")
    local name = f and f:read("l") or "localhost"
    if f then f:close() end
    return name
  end, "gethostname", { name = "gethostname", params = {}, builtin = true })
  return m
end
