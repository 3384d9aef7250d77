-- 88_asyncio_more.lua - the rest of the asyncio module: wait (with
-- FIRST_COMPLETED / FIRST_EXCEPTION / ALL_COMPLETED), as_completed, shield,
-- TaskGroup, the builtins BaseExceptionGroup / ExceptionGroup, and the event
-- loop's run_forever / stop. Built on the futures of 80_tasks.lua and the
-- toolkit aio.ax of 84_asyncio_sync.lua.
local aio = ...

local rawget, rawset, rawequal, setmetatable, getmetatable, type, error, ipairs =
  rawget, rawset, rawequal, setmetatable, getmetatable, type, error, ipairs
local None, throw, tname, isinst = aio.None, aio.throw, aio.tname, aio.isinst
local ax = aio.ax
local nn = ax.nn

local FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED = "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"

-- A Lua array of the items of aio iterable x, without duplicates.
local function unique_items(x)
  local r, seen = {}, {}
  for v in aio.iter(x) do
    if not seen[v] then seen[v] = true r[#r + 1] = v end
  end
  return r
end

local function new_set(items)
  local s = aio.new_map(aio.Set)
  for _, v in ipairs(items) do aio.set_add(s, v) end
  return s
end

local function delay_ms(timeout)
  if type(timeout) ~= "number" then
    throw(aio.TypeError, "'<=' not supported between instances of '" .. tname(timeout) .. "' and 'int'")
  end
  return timeout * 1000
end

---------------------------------------------------------------------------
-- wait(fs, *, timeout=None, return_when=ALL_COMPLETED) -> (done, pending)
---------------------------------------------------------------------------
local function wait(fs, timeout, return_when)
  local items = unique_items(fs)
  local n = #items
  local waiter = aio.new_future()
  local handle
  local function on_completion(f)
    n = n - 1
    if n <= 0 or return_when == FIRST_COMPLETED or
      (return_when == FIRST_EXCEPTION and not ax.cancelled(f) and rawget(f, "err") ~= nil) then
      if return_when == FIRST_EXCEPTION and rawget(f, "err") ~= nil then f.logtb = nil end
      if handle then handle.cancelled = true end
      if not ax.done(waiter) then ax.set_result(waiter, None) end
    end
  end
  for _, f in ipairs(items) do f:add_done_callback(on_completion) end
  if timeout ~= nil then
    handle = aio.call_later_ms(delay_ms(timeout), function()
      if not ax.done(waiter) then ax.set_result(waiter, None) end
    end, true)
  end
  local ok, e = ax.try_await(waiter)
  if handle then handle.cancelled = true end
  for _, f in ipairs(items) do f:remove_done_callback(on_completion) end
  if not ok then error(e, 0) end
  local done, pending = {}, {}
  for _, f in ipairs(items) do
    if ax.done(f) then done[#done + 1] = f else pending[#pending + 1] = f end
  end
  return aio.tuple_raw({ [0] = new_set(done), new_set(pending) })
end

local function check_futures(fs, what)
  if aio.is_future(fs) or aio.is_coroutine(fs) then
    throw(aio.TypeError, "expect " .. what .. " of futures, not " .. tname(fs))
  end
end

local function wait_entry(fs, timeout, return_when)
  if fs == nil then aio.missing("wait", "fs") end
  check_futures(fs, "a list")
  return_when = nn(return_when) or ALL_COMPLETED
  if return_when ~= FIRST_COMPLETED and return_when ~= FIRST_EXCEPTION and return_when ~= ALL_COMPLETED then
    throw(aio.ValueError, "Invalid return_when value: " .. aio.str(return_when))
  end
  local items = unique_items(fs)
  if #items == 0 then throw(aio.ValueError, "Set of Tasks/Futures is empty.") end
  for _, f in ipairs(items) do
    if aio.is_coroutine(f) then throw(aio.TypeError, "Passing coroutines is forbidden, use tasks explicitly.") end
    if not aio.is_future(f) then throw(aio.TypeError, "An asyncio.Future, a coroutine or an awaitable is required") end
  end
  local t = nn(timeout)
  return aio.coroutine(function() return wait(fs, t, return_when) end, "wait")
end

---------------------------------------------------------------------------
-- as_completed(fs, *, timeout=None): an iterator of coroutines, each
-- returning the next result in completion order; `async for` over it yields
-- the finished futures themselves (as in Python 3.13).
---------------------------------------------------------------------------
local AsCompleted = ax.class("_AsCompletedIterator", "tasks")

local function as_completed(fs, timeout)
  if fs == nil then aio.missing("as_completed", "fs") end
  check_futures(fs, "an iterable")
  local todo = {}
  for _, x in ipairs(unique_items(fs)) do todo[#todo + 1] = aio.ensure_future(x) end
  local it = setmetatable({ _done = {}, _left = #todo, _todo = todo, _waiter = false, _handle = false }, AsCompleted)
  local function push(f)
    local d = it._done
    d[#d + 1] = f
    local w = it._waiter
    if w and not ax.done(w) then ax.set_result(w, None) end
  end
  local on_completion
  on_completion = function(f)
    if not ax.remove(it._todo, f) then return end
    push(f)
    if #it._todo == 0 and it._handle then it._handle.cancelled = true end
  end
  for _, f in ipairs(todo) do f:add_done_callback(on_completion) end
  timeout = nn(timeout)
  if timeout ~= nil and #todo > 0 then
    it._handle = aio.call_later_ms(delay_ms(timeout), function()
      for _, f in ipairs(it._todo) do f:remove_done_callback(on_completion) end
      it._todo = {}
      push(false)   -- false: the timeout
    end, true)
  end
  return it
end

-- Waits for the next finished future (raises TimeoutError after the timeout).
local function next_done(it)
  while #it._done == 0 do
    it._waiter = aio.new_future()
    local ok, e = ax.try_await(it._waiter)
    it._waiter = false
    if not ok then error(e, 0) end
  end
  local f = it._done[1]
  if f == false then aio.raise(ax.new_exc(aio.TimeoutError)) end
  table.remove(it._done, 1)
  return f
end

local function next_coro(it)
  if it._left <= 0 then return nil end
  it._left = it._left - 1
  return aio.coroutine(function() return aio.future_result(next_done(it)) end, "_wait_for_one")
end

AsCompleted.aio_iter = function(it) return function() return next_coro(it) end end
ax.method(AsCompleted, "__iter__", {}, function(it) return it end)
ax.method(AsCompleted, "__next__", {}, function(it)
  local c = next_coro(it)
  if c == nil then aio.raise(ax.new_exc(aio.StopIteration)) end
  return c
end)
ax.method(AsCompleted, "__aiter__", {}, function(it) return it end)
ax.method(AsCompleted, "__anext__", {}, function(it)
  return aio.coroutine(function()
    if it._left <= 0 then aio.raise(ax.new_exc(aio.StopAsyncIteration)) end
    it._left = it._left - 1
    return next_done(it)
  end, "__anext__")
end)
AsCompleted.aio_repr = function(it) return "<generator object as_completed at " .. aio.addr(it) .. ">" end

---------------------------------------------------------------------------
-- shield(aw): a future that follows aw but whose cancellation leaves aw running
---------------------------------------------------------------------------
local function shield(arg)
  if arg == nil then aio.missing("shield", "arg") end
  local inner = aio.ensure_future(arg)
  if ax.done(inner) then return inner end
  local outer = aio.new_future()
  local function inner_done(f)
    if ax.cancelled(outer) then
      if not ax.cancelled(f) then f.logtb = nil end   -- the exception counts as retrieved
      return
    end
    if ax.cancelled(f) then
      outer:cancel()
    elseif rawget(f, "err") ~= nil then
      f.logtb = nil
      aio.Future.set_exception(outer, f.err)
    else
      local v = rawget(f, "val")
      ax.set_result(outer, v)
    end
  end
  inner:add_done_callback(inner_done)
  outer:add_done_callback(function()
    if not ax.done(inner) then inner:remove_done_callback(inner_done) end
  end)
  return outer
end

---------------------------------------------------------------------------
-- BaseExceptionGroup / ExceptionGroup (builtins)
---------------------------------------------------------------------------
local function exc_class(name, bases)
  local cls = aio.class(name, bases)
  cls.__module__ = "builtins"
  cls.aio_isexc = true
  aio.exc_classes[name] = cls
  aio.exc_order[#aio.exc_order + 1] = cls
  aio[name] = cls
  aio.builtins[name] = cls
  return cls
end
local BaseExceptionGroup = exc_class("BaseExceptionGroup", { aio.BaseException })
local ExceptionGroup = exc_class("ExceptionGroup", { BaseExceptionGroup, aio.Exception })

local function group_init(self, msg, excs)
  if msg == nil then aio.missing("BaseExceptionGroup", "message") end
  if type(msg) ~= "string" then throw(aio.TypeError, "argument 1 must be str, not " .. tname(msg)) end
  if excs == nil then throw(aio.TypeError, "BaseExceptionGroup.__new__() takes exactly 2 arguments (1 given)") end
  local mt = getmetatable(excs)
  if type(excs) ~= "table" or (mt ~= aio.List and mt ~= aio.Tuple and not (mt and rawget(mt, "aio_user"))) then
    throw(aio.TypeError, "second argument (exceptions) must be a sequence")
  end
  local t, n = {}, 0
  for e in aio.iter(excs) do
    if not aio.is_exc(e) then
      throw(aio.ValueError, "Item " .. n .. " of second argument (exceptions) is not an exception")
    end
    t[n] = e
    n = n + 1
  end
  if n == 0 then throw(aio.ValueError, "second argument (exceptions) must be a non-empty sequence") end
  if isinst(self, aio.Exception) then
    for i = 0, n - 1 do
      if not isinst(t[i], aio.Exception) then
        throw(aio.TypeError, "Cannot nest BaseExceptions in an ExceptionGroup")
      end
    end
  end
  rawset(self, "args", aio.tuple_raw({ [0] = msg, excs }))
  rawset(self, "message", msg)
  rawset(self, "exceptions", aio.tuple_raw(t))
  return None
end
BaseExceptionGroup.__init__ = aio.def(group_init, "BaseExceptionGroup.__init__",
  { name = "BaseExceptionGroup.__init__", params = { "self", "message", "exceptions" } })

-- BaseExceptionGroup(msg, excs) is an ExceptionGroup when every item is an Exception.
local function new_group(cls, msg, excs)
  if cls == BaseExceptionGroup and excs ~= nil and type(excs) == "table" then
    local all = true
    local ok = pcall(function()
      for e in aio.iter(excs) do if not isinst(e, aio.Exception) then all = false end end
    end)
    if ok and all then cls = ExceptionGroup end
  end
  local g = setmetatable({}, cls)
  local init = rawget(cls, "__init__") or group_init
  init(g, msg, excs)
  return g
end
BaseExceptionGroup.aio_new = new_group
ExceptionGroup.aio_new = new_group
aio.new_exception_group = function(msg, list) return new_group(BaseExceptionGroup, msg, list) end

BaseExceptionGroup.aio_str = function(g)
  local n = #rawget(g, "exceptions") + 1
  return aio.str(rawget(g, "message")) .. " (" .. n .. " sub-exception" .. (n == 1 and "" or "s") .. ")"
end

local function matcher(cond)
  if getmetatable(cond) == aio.Type then return function(e) return isinst(e, cond) end end
  if getmetatable(cond) == aio.Tuple then
    return function(e)
      for c in aio.iter(cond) do if isinst(e, c) then return true end end
      return false
    end
  end
  return function(e) return aio.truthy(cond(e)) end
end

local function derive(g, list)
  local ng = new_group(BaseExceptionGroup, rawget(g, "message"), setmetatable(list, aio.List))
  for _, k in ipairs({ "__cause__", "__context__", "__suppress_context__", "__notes__" }) do
    local v = rawget(g, k)
    if v ~= nil then rawset(ng, k, v) end
  end
  return ng
end

local function split(g, match)
  if match(g) then return g, nil end
  local yes, no, ny, nn2 = {}, {}, 0, 0
  local excs = rawget(g, "exceptions")
  for i = 0, #excs do
    local e = excs[i]
    if e ~= nil then
      if isinst(e, BaseExceptionGroup) then
        local a, b = split(e, match)
        if a then yes[ny] = a ny = ny + 1 end
        if b then no[nn2] = b nn2 = nn2 + 1 end
      elseif match(e) then yes[ny] = e ny = ny + 1
      else no[nn2] = e nn2 = nn2 + 1 end
    end
  end
  return ny > 0 and derive(g, yes) or nil, nn2 > 0 and derive(g, no) or nil
end

for _, cls in ipairs({ BaseExceptionGroup, ExceptionGroup }) do
  ax.method(cls, "split", { "condition" }, function(g, cond)
    local a, b = split(g, matcher(cond))
    return aio.tuple_raw({ [0] = a or None, b or None })
  end)
  ax.method(cls, "subgroup", { "condition" }, function(g, cond)
    local a = split(g, matcher(cond))
    return a or None
  end)
  ax.method(cls, "derive", { "excs" }, function(g, excs)
    return new_group(BaseExceptionGroup, rawget(g, "message"), excs)
  end)
end

---------------------------------------------------------------------------
-- TaskGroup
---------------------------------------------------------------------------
local TaskGroup = ax.class("TaskGroup", "taskgroups")
ax.ctor(TaskGroup, {}, function(cls)
  return setmetatable({ _tasks = {}, _errors = {}, _entered = false, _exiting = false, _aborting = false,
    _parent = false, _parent_cancel_requested = false, _base_error = false, _on_completed = false }, cls)
end)

TaskGroup.aio_repr = function(g)
  local s = "<TaskGroup"
  if #g._tasks > 0 then s = s .. " tasks=" .. #g._tasks end
  if #g._errors > 0 then s = s .. " errors=" .. #g._errors end
  if g._aborting then s = s .. " cancelling" elseif g._entered then s = s .. " entered" end
  return s .. ">"
end

local function is_base_error(e)
  return isinst(e, aio.SystemExit) or isinst(e, aio.KeyboardInterrupt)
end

local function tg_abort(g)
  g._aborting = true
  for _, t in ipairs(g._tasks) do
    if not ax.done(t) then aio.task_cancel(t) end
  end
end

local function tg_on_task_done(g, t)
  ax.remove(g._tasks, t)
  local oc = g._on_completed
  if oc and #g._tasks == 0 and not ax.done(oc) then ax.set_result(oc, true) end
  if ax.cancelled(t) then return end
  local e = rawget(t, "err")
  if e == nil then return end
  t.logtb = nil
  g._errors[#g._errors + 1] = e
  if is_base_error(e) and not g._base_error then g._base_error = e end
  if ax.done(g._parent) then return end
  if not g._aborting and not g._parent_cancel_requested then
    tg_abort(g)
    g._parent_cancel_requested = true
    aio.task_cancel(g._parent)
  end
end

local function tg_enter(g)
  if g._entered then throw(aio.RuntimeError, "TaskGroup " .. aio.repr(g) .. " has already been entered") end
  local t = aio.current_task()
  if t == nil then throw(aio.RuntimeError, "TaskGroup " .. aio.repr(g) .. " cannot determine the parent task") end
  g._parent = t
  g._entered = true
  return g
end

-- e: the exception leaving the block or nil; returns the exception to raise.
local function tg_exit(g, e)
  g._exiting = true
  if e ~= nil and is_base_error(e) and not g._base_error then g._base_error = e end
  local is_cancel = e ~= nil and getmetatable(e) == aio.CancelledError
  local propagate = is_cancel and e or nil
  if g._parent_cancel_requested then
    if g._parent:uncancel() == 0 then propagate = nil end
  end
  if e ~= nil and not g._aborting then tg_abort(g) end
  while #g._tasks > 0 do
    if not g._on_completed then g._on_completed = aio.new_future() end
    local ok, ce = ax.try_await(g._on_completed)
    if not ok then
      if not ax.is_cancel(ce) then error(ce, 0) end
      if not g._aborting then
        propagate = ce
        tg_abort(g)
      end
    end
    g._on_completed = false
  end
  if g._base_error then return g._base_error end
  if propagate and #g._errors == 0 then return propagate end
  if e ~= nil and not is_cancel then g._errors[#g._errors + 1] = e end
  if #g._errors > 0 then
    local list, n = {}, 0
    for _, x in ipairs(g._errors) do list[n] = x n = n + 1 end
    g._errors = {}
    local me = new_group(BaseExceptionGroup, "unhandled errors in a TaskGroup", setmetatable(list, aio.List))
    rawset(me, "__cause__", None)
    rawset(me, "__suppress_context__", true)
    return me
  end
  return nil
end

TaskGroup.aio_aenter = tg_enter
TaskGroup.aio_aexit = function(g, e)
  local ne = tg_exit(g, e)
  if rawequal(ne, e) then return nil end   -- re-raised as is by aio.aexit
  return ne
end
ax.amethod(TaskGroup, "__aenter__", {}, tg_enter)
ax.amethod(TaskGroup, "__aexit__", { "exc_type", "exc", "tb" }, function(g, _, ev)
  local ne = tg_exit(g, nn(ev))
  if ne and not rawequal(ne, nn(ev)) then aio.raise(ne) end
  if ne then error(ne, 0) end
  return None
end)
ax.method(TaskGroup, "create_task", { "coro" }, function(g, coro, name)
  if not g._entered then throw(aio.RuntimeError, "TaskGroup " .. aio.repr(g) .. " has not been entered") end
  if g._exiting and #g._tasks == 0 then throw(aio.RuntimeError, "TaskGroup " .. aio.repr(g) .. " is finished") end
  if g._aborting then throw(aio.RuntimeError, "TaskGroup " .. aio.repr(g) .. " is shutting down") end
  local t = aio.create_task(coro, nn(name))
  t:add_done_callback(function(x) tg_on_task_done(g, x) end)
  g._tasks[#g._tasks + 1] = t
  return t
end, { kwonly = { "name", "context" } })

---------------------------------------------------------------------------
-- the loop's run_forever / stop (inside the running program)
---------------------------------------------------------------------------
local EventLoop = getmetatable(aio.get_running_loop())
aio.method(EventLoop, "run_forever", { "self" }, function(l)
  if rawget(l, "stopping") then
    l.stopping = false
    aio.sleep(0)
    return None
  end
  local f = aio.new_future()
  l.forever = f
  local ok, e = ax.try_await(f)
  l.forever = false
  if not ok then error(e, 0) end
  return None
end)
aio.method(EventLoop, "stop", { "self" }, function(l)
  local f = rawget(l, "forever")
  if f and not ax.done(f) then ax.set_result(f, None) else l.stopping = true end
  return None
end)

ax.extend(function(m)
  local function fn(name, params, f, extra)
    local spec = { name = name, params = params, builtin = true }
    if extra then for k, v in pairs(extra) do spec[k] = v end end
    m[name] = aio.def(f, name, spec)
  end
  m.FIRST_COMPLETED, m.FIRST_EXCEPTION, m.ALL_COMPLETED = FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED
  m.TaskGroup = TaskGroup
  m.BaseExceptionGroup, m.ExceptionGroup = BaseExceptionGroup, ExceptionGroup
  fn("wait", { "fs" }, wait_entry, { kwonly = { "timeout", "return_when" } })
  fn("as_completed", { "fs" }, as_completed, { kwonly = { "timeout" } })
  fn("shield", { "arg" }, shield)
end)
