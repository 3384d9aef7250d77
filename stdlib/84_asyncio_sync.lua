-- 84_asyncio_sync.lua - asyncio's synchronization primitives (Lock, Event,
-- Condition, Semaphore, BoundedSemaphore, Barrier, BrokenBarrierError) over
-- the futures of 80_tasks.lua, plus the small toolkit (aio.ax) that the other
-- asyncio files (86_asyncio_queue, 88_asyncio_more) share. Every waiter is a
-- plain Future awaited by the current task, so cancellation works exactly as
-- for any other await. The classes are added to the `asyncio` module by
-- wrapping its lazy builder (see ax.extend).
local aio = ...

local rawget, rawequal, setmetatable, getmetatable, type, pcall, error =
  rawget, rawequal, setmetatable, getmetatable, type, pcall, error
local None, throw, tname, isinst = aio.None, aio.throw, aio.tname, aio.isinst
local Future = aio.Future

---------------------------------------------------------------------------
-- toolkit shared by the asyncio files
---------------------------------------------------------------------------
local ax = {}
aio.ax = ax

function ax.nn(v) if v == nil or rawequal(v, None) then return nil end return v end
local nn = ax.nn

-- A builtin class of the asyncio module (module shown by repr as `asyncio.<sub>`).
function ax.class(name, sub, bases)
  local cls = aio.bclass(name, bases)
  cls.__module__ = "asyncio." .. sub
  cls.__index = function(o, k)
    local m = cls[k]
    if m ~= nil then
      if getmetatable(m) == aio.Property then return m.fget(o) end
      return m
    end
    throw(aio.AttributeError, "'" .. tname(o) .. "' object has no attribute '" .. tostring(k) .. "'")
  end
  return cls
end

-- Sets cls.aio_new, the constructor called as cls(args) with keyword support.
function ax.ctor(cls, params, fn)
  local name = rawget(cls, "__name__")
  local p = { "cls" }
  for i = 1, #params do p[i + 1] = params[i] end
  cls.aio_new = aio.def(fn, name, { name = name, params = p, builtin = true })
end

-- A read-only data attribute computed by fn(o) (found by getattr too).
function ax.property(cls, name, fn)
  cls[name] = setmetatable({ fget = fn }, aio.Property)
end

function ax.method(cls, name, params, fn, extra)
  local p = { "self" }
  for i = 1, #params do p[i + 1] = params[i] end
  aio.method(cls, name, p, fn, extra)
end

-- An async method: calling it returns a coroutine object running fn(self, ...).
-- `await o.name(args)` (aio.acallmN) runs fn directly: no coroutine object.
function ax.amethod(cls, name, params, fn)
  local qual = rawget(cls, "__name__") .. "." .. name
  local f = function(o, a, b)
    return aio.coroutine(function() return fn(o, a, b) end, qual)
  end
  ax.method(cls, name, params, f)
  aio.async_method(f, fn)
end

-- `async with obj:` support: fast hooks plus __aenter__/__aexit__ methods.
-- enter(o) returns the `as` value; exit(o) returns nothing.
function ax.async_cm(cls, enter, exit)
  cls.aio_aenter = enter
  cls.aio_aexit = function(o, _) exit(o) return nil end
  ax.amethod(cls, "__aenter__", {}, enter)
  ax.amethod(cls, "__aexit__", { "exc_type", "exc", "tb" }, function(o) exit(o) return None end)
end

function ax.new_exc(cls, msg)
  local args = (msg == nil or rawequal(msg, None)) and {} or { [0] = msg }
  return setmetatable({ args = aio.tuple_raw(args) }, cls)
end

function ax.exc_class(name, base, sub)
  local cls = aio.class(name, { base })
  cls.__module__ = "asyncio." .. sub
  cls.aio_user = nil
  aio.exc_order[#aio.exc_order + 1] = cls
  aio[name] = cls
  return cls
end

function ax.done(f) return f.st ~= "PENDING" end
function ax.cancelled(f) return f.st == "CANCELLED" end
function ax.set_result(f, v) Future.set_result(f, v == nil and None or v) end

-- Awaits future f; returns true, result or false, exception (never raises).
function ax.try_await(f)
  local ok, r = pcall(aio.await_future, f)
  if ok then return true, r end
  return false, aio.exc(r)
end

function ax.is_cancel(e) return isinst(e, aio.CancelledError) end

function ax.remove(list, x)
  for i = 1, #list do
    if rawequal(list[i], x) then table.remove(list, i) return true end
  end
  return false
end

-- Adds names to the asyncio module when it is first imported.
local extensions = {}
function ax.extend(fn) extensions[#extensions + 1] = fn end
local base_build = aio.builtin_modules.asyncio
aio.builtin_modules.asyncio = function()
  local m = base_build()
  for i = 1, #extensions do extensions[i](m) end
  return m
end

-- "<asyncio.locks.Lock object at 0x... [extra]>"
function ax.repr_with(o, extra)
  local cls = getmetatable(o)
  return "<" .. rawget(cls, "__module__") .. "." .. rawget(cls, "__name__") .. " object at " ..
    aio.addr(o) .. " [" .. extra .. "]>"
end

local function waiters_note(w)
  if #w > 0 then return ", waiters:" .. #w end
  return ""
end

---------------------------------------------------------------------------
-- Lock
---------------------------------------------------------------------------
local Lock = ax.class("Lock", "locks")
aio.AsyncLock = Lock
ax.ctor(Lock, {}, function(cls) return setmetatable({ _locked = false, _waiters = {} }, cls) end)

local function lock_wake_first(l)
  local f = l._waiters[1]
  if f and not ax.done(f) then ax.set_result(f, true) end
end

local function lock_acquire(l)
  if not l._locked then
    local free = true
    for _, w in ipairs(l._waiters) do if not ax.cancelled(w) then free = false break end end
    if free then l._locked = true return true end
  end
  local f = aio.new_future()
  local w = l._waiters
  w[#w + 1] = f
  local ok, e = ax.try_await(f)
  ax.remove(w, f)
  if not ok then
    if ax.is_cancel(e) and not l._locked then lock_wake_first(l) end
    error(e, 0)
  end
  l._locked = true
  return true
end

local function lock_release(l)
  if not l._locked then throw(aio.RuntimeError, "Lock is not acquired.") end
  l._locked = false
  lock_wake_first(l)
  return None
end

ax.amethod(Lock, "acquire", {}, lock_acquire)
ax.method(Lock, "release", {}, lock_release)
ax.method(Lock, "locked", {}, function(l) return l._locked end)
ax.async_cm(Lock, function(l) lock_acquire(l) return None end, lock_release)
Lock.aio_repr = function(l)
  return ax.repr_with(l, (l._locked and "locked" or "unlocked") .. waiters_note(l._waiters))
end

---------------------------------------------------------------------------
-- Event
---------------------------------------------------------------------------
local Event = ax.class("Event", "locks")
ax.ctor(Event, {}, function(cls) return setmetatable({ _value = false, _waiters = {} }, cls) end)

local function event_wait(ev)
  if ev._value then return true end
  local f = aio.new_future()
  local w = ev._waiters
  w[#w + 1] = f
  local ok, e = ax.try_await(f)
  ax.remove(w, f)
  if not ok then error(e, 0) end
  return true
end
local function event_set(ev)
  if not ev._value then
    ev._value = true
    for _, f in ipairs(ev._waiters) do
      if not ax.done(f) then ax.set_result(f, true) end
    end
  end
  return None
end
ax.amethod(Event, "wait", {}, event_wait)
ax.method(Event, "set", {}, event_set)
ax.method(Event, "clear", {}, function(ev) ev._value = false return None end)
ax.method(Event, "is_set", {}, function(ev) return ev._value end)
ax.event_wait, ax.event_set = event_wait, event_set
ax.new_event = function() return Event.aio_new(Event) end
Event.aio_repr = function(ev)
  return ax.repr_with(ev, (ev._value and "set" or "unset") .. waiters_note(ev._waiters))
end

---------------------------------------------------------------------------
-- Condition
---------------------------------------------------------------------------
local Condition = ax.class("Condition", "locks")
ax.ctor(Condition, { "lock" }, function(cls, lock)
  lock = nn(lock)
  if lock == nil then lock = Lock.aio_new(Lock)
  elseif getmetatable(lock) ~= Lock then
    throw(aio.TypeError, "Condition() requires an asyncio.Lock, got " .. tname(lock))
  end
  return setmetatable({ _lock = lock, _waiters = {} }, cls)
end)

local function cond_wait(c)
  local lock = c._lock
  if not lock._locked then throw(aio.RuntimeError, "cannot wait on un-acquired lock") end
  lock_release(lock)
  local f = aio.new_future()
  local w = c._waiters
  w[#w + 1] = f
  local ok, e = ax.try_await(f)
  ax.remove(w, f)
  -- reacquire the lock whatever happened; a cancel meanwhile is raised after
  local cerr
  while true do
    local ok2, e2 = pcall(lock_acquire, lock)
    if ok2 then break end
    e2 = aio.exc(e2)
    if not ax.is_cancel(e2) then error(e2, 0) end
    cerr = e2
  end
  if not ok then error(e, 0) end
  if cerr then error(cerr, 0) end
  return true
end

local function cond_notify(c, n)
  if not c._lock._locked then throw(aio.RuntimeError, "cannot notify on un-acquired lock") end
  local idx = 0
  for _, f in ipairs(c._waiters) do
    if idx >= n then break end
    if not ax.done(f) then
      idx = idx + 1
      ax.set_result(f, false)
    end
  end
  return None
end

ax.amethod(Condition, "acquire", {}, function(c) return lock_acquire(c._lock) end)
ax.method(Condition, "release", {}, function(c) return lock_release(c._lock) end)
ax.method(Condition, "locked", {}, function(c) return c._lock._locked end)
ax.amethod(Condition, "wait", {}, cond_wait)
ax.amethod(Condition, "wait_for", { "predicate" }, function(c, pred)
  local r = pred()
  while not aio.truthy(r) do
    cond_wait(c)
    r = pred()
  end
  return r
end)
ax.method(Condition, "notify", { "n" }, function(c, n)
  if n == nil then n = 1 end
  return cond_notify(c, n)
end)
ax.method(Condition, "notify_all", {}, function(c) return cond_notify(c, #c._waiters) end)
ax.async_cm(Condition, function(c) lock_acquire(c._lock) return None end,
  function(c) lock_release(c._lock) end)
Condition.aio_repr = function(c)
  return ax.repr_with(c, (c._lock._locked and "locked" or "unlocked") .. waiters_note(c._waiters))
end

---------------------------------------------------------------------------
-- Semaphore, BoundedSemaphore
---------------------------------------------------------------------------
local Semaphore = ax.class("Semaphore", "locks")
local BoundedSemaphore = ax.class("BoundedSemaphore", "locks", { Semaphore })

local function sem_new(cls, value)
  if value == nil then value = 1 end
  if type(value) ~= "number" then
    throw(aio.TypeError, "'<' not supported between instances of '" .. tname(value) .. "' and 'int'")
  end
  if value < 0 then throw(aio.ValueError, "Semaphore initial value must be >= 0") end
  return setmetatable({ _value = value, _bound = value, _waiters = {} }, cls)
end
ax.ctor(Semaphore, { "value" }, sem_new)
ax.ctor(BoundedSemaphore, { "value" }, sem_new)

local function sem_locked(s)
  if s._value == 0 then return true end
  for _, w in ipairs(s._waiters) do if not ax.cancelled(w) then return true end end
  return false
end

local function sem_wake_next(s)
  for _, f in ipairs(s._waiters) do
    if not ax.done(f) then
      s._value = s._value - 1
      ax.set_result(f, true)
      return true
    end
  end
  return false
end

local function sem_acquire(s)
  if not sem_locked(s) then
    s._value = s._value - 1
    return true
  end
  local f = aio.new_future()
  local w = s._waiters
  w[#w + 1] = f
  local ok, e = ax.try_await(f)
  ax.remove(w, f)
  if not ok and ax.is_cancel(e) and ax.done(f) and not ax.cancelled(f) then
    -- woken, but cancelled before it could run: give the slot back
    s._value = s._value + 1
  end
  while s._value > 0 do
    if not sem_wake_next(s) then break end
  end
  if not ok then error(e, 0) end
  return true
end

local function sem_release(s)
  if getmetatable(s) == BoundedSemaphore and s._value >= s._bound then
    throw(aio.ValueError, "BoundedSemaphore released too many times")
  end
  s._value = s._value + 1
  sem_wake_next(s)
  return None
end

for _, cls in ipairs({ Semaphore, BoundedSemaphore }) do
  ax.amethod(cls, "acquire", {}, sem_acquire)
  ax.method(cls, "release", {}, sem_release)
  ax.method(cls, "locked", {}, sem_locked)
  ax.async_cm(cls, function(s) sem_acquire(s) return None end, sem_release)
  cls.aio_repr = function(s)
    local extra = sem_locked(s) and "locked" or ("unlocked, value:" .. s._value)
    return ax.repr_with(s, extra .. waiters_note(s._waiters))
  end
end

---------------------------------------------------------------------------
-- Barrier: parties tasks meet; the last to arrive releases them all.
---------------------------------------------------------------------------
local BrokenBarrierError = ax.exc_class("BrokenBarrierError", aio.RuntimeError, "exceptions")
local Barrier = ax.class("Barrier", "locks")
ax.ctor(Barrier, { "parties" }, function(cls, parties)
  if parties == nil then aio.missing("Barrier", "parties") end
  if type(parties) ~= "number" or parties < 1 then
    throw(aio.ValueError, "parties must be > 0")
  end
  return setmetatable({ _parties = parties, _waiters = {}, _state = "filling" }, cls)
end)

local function barrier_fail_waiters(b)
  local w = b._waiters
  b._waiters = {}
  for _, f in ipairs(w) do
    if not ax.done(f) then
      Future.set_exception(f, ax.new_exc(BrokenBarrierError))
      f.logtb = nil
    end
  end
end

local function barrier_wait(b)
  if b._state == "broken" then aio.raise(ax.new_exc(BrokenBarrierError)) end
  local w = b._waiters
  local index = #w
  if index + 1 == b._parties then
    b._waiters = {}
    for _, f in ipairs(w) do ax.set_result(f, true) end
    return index
  end
  local f = aio.new_future()
  w[index + 1] = f
  local ok, e = ax.try_await(f)
  if not ok then
    if ax.is_cancel(e) then ax.remove(b._waiters, f) end
    error(e, 0)
  end
  return index
end
ax.amethod(Barrier, "wait", {}, barrier_wait)
ax.amethod(Barrier, "reset", {}, function(b)
  barrier_fail_waiters(b)
  if b._state == "broken" then b._state = "filling" end
  return None
end)
ax.amethod(Barrier, "abort", {}, function(b)
  b._state = "broken"
  barrier_fail_waiters(b)
  return None
end)
ax.property(Barrier, "parties", function(b) return b._parties end)
ax.property(Barrier, "n_waiting", function(b) return #b._waiters end)
ax.property(Barrier, "broken", function(b) return b._state == "broken" end)
ax.async_cm(Barrier, barrier_wait, function() end)
Barrier.aio_repr = function(b)
  return ax.repr_with(b, b._state .. ", waiters:" .. #b._waiters .. "/" .. b._parties)
end

ax.extend(function(m)
  m.Lock, m.Event, m.Condition, m.Semaphore, m.BoundedSemaphore = Lock, Event, Condition, Semaphore, BoundedSemaphore
  m.Barrier, m.BrokenBarrierError = Barrier, BrokenBarrierError
end)
