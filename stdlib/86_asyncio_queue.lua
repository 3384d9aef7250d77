-- 86_asyncio_queue.lua - asyncio.Queue, PriorityQueue, LifoQueue and the
-- QueueFull / QueueEmpty exceptions. Items live in a Lua array used as a
-- ring (FIFO), a stack (LIFO) or a binary heap ordered by aio's `<`
-- (priority); blocked getters/putters are parked tasks (no Future), woken in
-- FIFO order as in asyncio.
local aio = ...

local setmetatable, getmetatable, rawget, error, type, pairs = setmetatable, getmetatable, rawget, error, type, pairs
local None, throw = aio.None, aio.throw
local ax = aio.ax

local QueueEmpty = ax.exc_class("QueueEmpty", aio.Exception, "queues")
local QueueFull = ax.exc_class("QueueFull", aio.Exception, "queues")

local Queue = ax.class("Queue", "queues")
local PriorityQueue = ax.class("PriorityQueue", "queues", { Queue })
local LifoQueue = ax.class("LifoQueue", "queues", { Queue })

---------------------------------------------------------------------------
-- storage: q._items with q._head..q._tail-1 (FIFO) or 1..q._n (LIFO, heap)
---------------------------------------------------------------------------
local function fifo_put(q, x)
  local t = q._tail
  q._items[t] = x
  q._tail = t + 1
end
local function fifo_get(q)
  local h = q._head
  local x = q._items[h]
  q._items[h] = nil
  h = h + 1
  if h == q._tail then h, q._tail = 1, 1 end
  q._head = h
  return x
end
local function fifo_size(q) return q._tail - q._head end

local function lifo_put(q, x)
  local n = q._n + 1
  q._items[n] = x
  q._n = n
end
local function lifo_get(q)
  local n = q._n
  local x = q._items[n]
  q._items[n] = nil
  q._n = n - 1
  return x
end
local function lifo_size(q) return q._n end

local function heap_put(q, x)
  local a = q._items
  local n = q._n + 1
  q._n = n
  local i = n
  while i > 1 do
    local p = i // 2
    if not (x < a[p]) then break end
    a[i] = a[p]
    i = p
  end
  a[i] = x
end
local function heap_get(q)
  local a = q._items
  local n = q._n
  local top, last = a[1], a[n]
  a[n] = nil
  n = n - 1
  q._n = n
  if n > 0 then
    local i = 1
    while true do
      local c = 2 * i
      if c > n then break end
      if c < n and a[c + 1] < a[c] then c = c + 1 end
      if not (a[c] < last) then break end
      a[i] = a[c]
      i = c
    end
    a[i] = last
  end
  return top
end

local ops = {
  [Queue] = { put = fifo_put, get = fifo_get, size = fifo_size },
  [LifoQueue] = { put = lifo_put, get = lifo_get, size = lifo_size },
  [PriorityQueue] = { put = heap_put, get = heap_get, size = lifo_size },
}

local function new_queue(cls, maxsize)
  if maxsize == nil then maxsize = 0 end
  if type(maxsize) ~= "number" then
    throw(aio.TypeError, "'<=' not supported between instances of '" .. aio.tname(maxsize) .. "' and 'int'")
  end
  local kind = ops[cls]
  if kind == nil then
    -- a user subclass: use its builtin base's storage
    for base, k in pairs(ops) do if aio.issub(cls, base) and base ~= Queue then kind = k end end
    kind = kind or ops[Queue]
  end
  return setmetatable({ maxsize = maxsize, _items = {}, _head = 1, _tail = 1, _n = 0, _ops = kind,
    _getters = {}, _putters = {}, _unfinished = 0, _finished = false }, cls)
end
for cls in pairs(ops) do ax.ctor(cls, { "maxsize" }, new_queue) end

local function qsize(q) return q._ops.size(q) end
local function full(q)
  local m = q.maxsize
  if m <= 0 then return false end
  return qsize(q) >= m
end

-- Blocked getters/putters are parked tasks (aio.park: no Future), in FIFO
-- lists. A task cancelled while parked stays listed until it runs again;
-- wake_next drops it then (noting it in `skipped`), as asyncio drops a
-- cancelled waiter future.
local park_in, unpark = aio.park_in, aio.unpark
local skipped = setmetatable({}, { __mode = "k" })
local tremove = table.remove
local FIFO = ops[Queue]

local function wake_next(waiters)
  local t = waiters[1]
  while t ~= nil do
    if waiters[2] == nil then waiters[1] = nil else tremove(waiters, 1) end
    if unpark(t) then return end
    skipped[t] = true
    t = waiters[1]
  end
end

-- Adds x (there is room) and wakes the first getter.
local function add_item(q, x)
  local kind = q._ops
  if kind == FIFO then
    local t = q._tail
    q._items[t] = x
    q._tail = t + 1
  else
    kind.put(q, x)
  end
  q._unfinished = q._unfinished + 1
  local fin = q._finished
  if fin then fin._value = false end
  local g = q._getters
  if g[1] ~= nil then wake_next(g) end
end

-- Takes the next item (there is one) and wakes the first putter.
local function take_item(q)
  local kind = q._ops
  local x
  if kind == FIFO then
    local h = q._head
    local items = q._items
    x = items[h]
    items[h] = nil
    h = h + 1
    if h == q._tail then h, q._tail = 1, 1 end
    q._head = h
  else
    x = kind.get(q)
  end
  local p = q._putters
  if p[1] ~= nil then wake_next(p) end
  return x
end

local function put_nowait(q, x)
  if full(q) then aio.raise(ax.new_exc(QueueFull)) end
  add_item(q, x)
end

local function get_nowait(q)
  if qsize(q) == 0 then aio.raise(ax.new_exc(QueueEmpty)) end
  return take_item(q)
end

-- Waits in list `waiters` until woken. Cancelled: a task that had already
-- been woken passes the turn on when the condition (ready(q)) holds, as
-- asyncio does for a waiter future that is not cancelled.
local function cancelled(q, waiters, ready, t)
  local woken = not ax.remove(waiters, t) and not skipped[t]
  skipped[t] = nil
  if woken and ready(q) then wake_next(waiters) end
  aio.raise_cancel()
end
local function block(q, waiters, ready)
  local ok, t = park_in(waiters)
  if not ok then cancelled(q, waiters, ready, t) end
end

local function not_full(q) return not full(q) end
local function not_empty(q) return qsize(q) > 0 end

-- put and get inline add_item/take_item for a FIFO queue, and the wake of
-- a single waiter: the path of every hand-over between two tasks.
local function put(q, x)
  if x == nil then aio.missing("Queue.put", "item") end
  local m = q.maxsize
  if m > 0 then
    local size = q._ops.size
    while size(q) >= m do block(q, q._putters, not_full) end
  end
  if q._ops ~= FIFO then add_item(q, x) return None end
  local t = q._tail
  q._items[t] = x
  q._tail = t + 1
  q._unfinished = q._unfinished + 1
  local fin = q._finished
  if fin then fin._value = false end
  local g = q._getters
  local w = g[1]
  if w ~= nil then
    if g[2] == nil and unpark(w) then g[1] = nil else wake_next(g) end
  end
  return None
end

local function get(q)
  if q._ops ~= FIFO then
    local size = q._ops.size
    while size(q) == 0 do block(q, q._getters, not_empty) end
    return take_item(q)
  end
  local h = q._head
  while h == q._tail do
    local ok, t = park_in(q._getters)   -- block(), inlined
    if not ok then cancelled(q, q._getters, not_empty, t) end
    h = q._head
  end
  local items = q._items
  local x = items[h]
  items[h] = nil
  h = h + 1
  if h == q._tail then h, q._tail = 1, 1 end
  q._head = h
  local p = q._putters
  if p[1] ~= nil then wake_next(p) end
  return x
end

local function task_done(q)
  if q._unfinished <= 0 then throw(aio.ValueError, "task_done() called too many times") end
  q._unfinished = q._unfinished - 1
  if q._unfinished == 0 and q._finished then
    ax.event_set(q._finished)
  end
  return None
end

local function join(q)
  if q._unfinished > 0 then
    if not q._finished then q._finished = ax.new_event() end
    ax.event_wait(q._finished)
  end
  return None
end

-- the items in get order, for repr
local function items_list(q)
  local r, n = {}, 0
  local a = q._items
  if q._ops == ops[Queue] then
    for i = q._head, q._tail - 1 do r[n] = a[i] n = n + 1 end
  else
    for i = 1, q._n do r[n] = a[i] n = n + 1 end
  end
  return setmetatable(r, aio.List)
end

local function format_queue(q)
  local s = "maxsize=" .. aio.repr(q.maxsize)
  if qsize(q) > 0 then s = s .. " _queue=" .. aio.repr(items_list(q)) end
  if #q._getters > 0 then s = s .. " _getters[" .. #q._getters .. "]" end
  if #q._putters > 0 then s = s .. " _putters[" .. #q._putters .. "]" end
  if q._unfinished > 0 then s = s .. " tasks=" .. q._unfinished end
  return s
end

for cls in pairs(ops) do
  ax.property(cls, "maxsize", function(q) return rawget(q, "maxsize") end)
  ax.method(cls, "qsize", {}, qsize)
  ax.method(cls, "empty", {}, function(q) return qsize(q) == 0 end)
  ax.method(cls, "full", {}, full)
  ax.method(cls, "put_nowait", { "item" }, function(q, x)
    if x == nil then aio.missing("Queue.put_nowait", "item") end
    put_nowait(q, x)
    return None
  end)
  ax.method(cls, "get_nowait", {}, get_nowait)
  ax.amethod(cls, "put", { "item" }, put)
  ax.amethod(cls, "get", {}, get)
  ax.method(cls, "task_done", {}, task_done)
  ax.amethod(cls, "join", {}, join)
  cls.aio_repr = function(q)
    return "<" .. rawget(getmetatable(q), "__name__") .. " at " .. aio.addr(q) .. " " .. format_queue(q) .. ">"
  end
  cls.aio_str = function(q)
    return "<" .. rawget(getmetatable(q), "__name__") .. " " .. format_queue(q) .. ">"
  end
end
Queue.aio_new_inherit = true
aio.queue_get, aio.queue_put = get, put

ax.extend(function(m)
  m.Queue, m.PriorityQueue, m.LifoQueue = Queue, PriorityQueue, LifoQueue
  m.QueueEmpty, m.QueueFull = QueueEmpty, QueueFull
end)
