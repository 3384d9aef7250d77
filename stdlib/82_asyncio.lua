-- 82_asyncio.lua - the built-in `asyncio` module (registered lazily in
-- aio.builtin_modules) over the scheduler in 80_tasks.lua: run, sleep,
-- create_task, gather, wait_for, timeout/timeout_at, current_task,
-- all_tasks, Task, Future, the exceptions, and one event-loop object per VM
-- (get_event_loop/get_running_loop/new_event_loop). asyncio.run and
-- loop.run_until_complete called inside the running program simply await.
local aio = ...

local rawequal, getmetatable, setmetatable, type = rawequal, getmetatable, setmetatable, type
local None = aio.None
local throw, tname = aio.throw, aio.tname

aio.builtin_modules = aio.builtin_modules or {}

local function nn(v) if v == nil or rawequal(v, None) then return nil end return v end

-- The event loop object: one per VM; its methods act on the scheduler.
local EventLoop = aio.bclass("_UnixSelectorEventLoop")
EventLoop.__module__ = "asyncio"
EventLoop.__index = function(l, k)
  local m = rawget(EventLoop, k)
  if m ~= nil then return m end
  throw(aio.AttributeError, "'" .. tname(l) .. "' object has no attribute '" .. tostring(k) .. "'")
end
EventLoop.aio_repr = function(l)
  return "<_UnixSelectorEventLoop running=" .. (l.closed and "False" or "True") .. " closed=" ..
    (l.closed and "True" or "False") .. " debug=False>"
end
local the_loop = setmetatable({ closed = false }, EventLoop)

-- Awaits a coroutine or future from plain (non-async) code: legal in aio
-- because everything runs inside a task.
local function run_awaitable(x)
  if aio.is_coroutine(x) or aio.is_future(x) then return aio.await(x) end
  return aio.await(aio.ensure_future(x))
end

local function run(main)
  if not aio.is_coroutine(main) then
    throw(aio.ValueError, "a coroutine was expected, got " .. aio.repr(main))
  end
  return run_awaitable(main)
end

local function build()
  local m = aio.new_module("asyncio")
  local function fn(name, params, f, extra)
    local spec = { name = name, params = params, builtin = true }
    if extra then for k, v in pairs(extra) do spec[k] = v end end
    m[name] = aio.def(f, name, spec)
  end
  local B = aio.builtins
  m.sleep, m.gather, m.wait_for, m.timeout = B.sleep, B.gather, B.wait_for, B.timeout
  m.CancelledError, m.InvalidStateError, m.TimeoutError = aio.CancelledError, aio.InvalidStateError, aio.TimeoutError
  m.Task, m.Future, m.Timeout = aio.Task, aio.Future, aio.Timeout

  fn("run", { "main" }, run, { kwonly = { "debug" } })
  fn("create_task", { "coro" }, function(coro, name) return aio.create_task(coro, name) end, { kwonly = { "name", "context" } })
  fn("ensure_future", { "coro_or_future" }, function(x) return aio.ensure_future(x) end, { kwonly = { "loop" } })
  fn("current_task", { "loop" }, function() return aio.current_task() or None end)
  fn("all_tasks", { "loop" }, function() return aio.all_tasks() end)
  fn("iscoroutine", { "obj" }, function(x) return aio.is_coroutine(x) end)
  fn("isfuture", { "obj" }, function(x) return aio.is_future(x) end)
  fn("timeout_at", { "when" }, function(when)
    if nn(when) == nil then return aio.new_timeout(nil) end
    return aio.new_timeout(when * 1000)
  end)
  fn("get_event_loop", {}, function() return the_loop end)
  fn("get_running_loop", {}, function() return the_loop end)
  fn("new_event_loop", {}, function() return the_loop end)
  fn("set_event_loop", { "loop" }, function() return None end)
  return m
end

local function unpack_args(t) return aio.tunpack(t, 0, aio.seqlen(t) - 1) end

local function lmethod(name, params, f, extra)
  aio.method(EventLoop, name, params, f, extra)
end
lmethod("run_until_complete", { "self", "future" }, function(_, f) return run_awaitable(f) end)
lmethod("create_task", { "self", "coro" }, function(_, coro, name) return aio.create_task(coro, name) end,
  { kwonly = { "name", "context" } })
lmethod("create_future", { "self" }, function() return aio.new_future() end)
lmethod("time", { "self" }, function() return aio.loop_time() end)
lmethod("is_running", { "self" }, function() return true end)
lmethod("is_closed", { "self" }, function(l) return l.closed end)
lmethod("close", { "self" }, function(l) l.closed = true return None end)
lmethod("call_soon", { "self", "callback" }, function(_, cb, ...)
  local args = aio.varargs(...)
  return aio.call_soon(function() cb(unpack_args(args)) end, true)
end, { vararg = true, kwonly = { "context" } })
lmethod("call_later", { "self", "delay", "callback" }, function(_, delay, cb, ...)
  local args = aio.varargs(...)
  return aio.call_later_ms(delay * 1000, function() cb(unpack_args(args)) end, true)
end, { vararg = true, kwonly = { "context" } })
lmethod("call_at", { "self", "when", "callback" }, function(_, when, cb, ...)
  local args = aio.varargs(...)
  return aio.call_later_ms(when * 1000 - aio.loop_time() * 1000, function() cb(unpack_args(args)) end, true)
end, { vararg = true, kwonly = { "context" } })

aio.get_running_loop = function() return the_loop end
aio.builtin_modules.asyncio = build
