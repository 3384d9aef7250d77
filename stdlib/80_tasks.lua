-- 80_tasks.lua - the async core: coroutine objects and `await`, Futures and
-- Tasks, the scheduler (a FIFO ready queue and one timer heap, driven by the
-- VM's libuv loop through aio.native.loop_*), cancellation, async generators,
-- async for/with helpers, the builtins sleep/gather/spawn/wait_for/timeout,
-- and the main-task entry point used by run_main. See docs/async.md.
local aio = ...

local rawget, rawset, rawequal, setmetatable, type, select, error, pcall, xpcall =
  rawget, rawset, rawequal, setmetatable, type, select, error, pcall, xpcall
-- debug.getmetatable: no __metatable lookup (the runtime never sets one), so
-- no string is pushed per call; it is on the hot path of every task switch.
local getmetatable = debug.getmetatable
local co_create, co_resume, co_yield, co_status = coroutine.create, coroutine.resume, coroutine.yield, coroutine.status
local getinfo, getlocal = debug.getinfo, debug.getlocal
local ssub, slower, smatch = string.sub, string.lower, string.match
local None = aio.None
local B = aio.builtins
local throw, tname, typeof, lookup, issub, isinst = aio.throw, aio.tname, aio.typeof, aio.lookup, aio.issub, aio.isinst
local TypeError, ValueError, RuntimeError = aio.TypeError, aio.ValueError, aio.RuntimeError
local native = aio.native
local now_ms, loop_wait, loop_alive = native.loop_now, native.loop_wait, native.loop_alive
-- aio.traceback_handler is defined later (90_main); look it up when used.
local function traceback_handler(e) return aio.traceback_handler(e) end

local function nn(v) if v == nil or rawequal(v, None) then return nil end return v end

---------------------------------------------------------------------------
-- exception classes (asyncio.exceptions)
---------------------------------------------------------------------------
local function exc_class(name, base)
  local cls = aio.class(name, { base })
  cls.__module__ = "asyncio.exceptions"
  cls.aio_user = nil
  aio.exc_order[#aio.exc_order + 1] = cls
  aio[name] = cls
  return cls
end
local CancelledError = exc_class("CancelledError", aio.BaseException)
local InvalidStateError = exc_class("InvalidStateError", aio.Exception)

local function new_exc(cls, msg)
  local args = (msg == nil or rawequal(msg, None)) and {} or { [0] = msg }
  return setmetatable({ args = aio.tuple_raw(args) }, cls)
end

---------------------------------------------------------------------------
-- coroutine objects: `async def f()` returns aio.coroutine(body, "f").
-- `await coro` calls body inline, so an await costs about a call. A
-- coroutine that is never awaited is reported when collected; to keep the
-- common `await f()` free of finalizers, new coroutines sit in a small
-- "young" list and only those still unstarted when it is swept get the
-- metatable with __gc (CoroGC).
---------------------------------------------------------------------------
local Coroutine = aio.bclass("coroutine")
aio.Coroutine = Coroutine
local CoroGC = {}
local young, young_n = {}, 0
local watched = 0   -- coroutines given CoroGC so far (none: no final collection)
local warnings, warn_n = {}, 0

local function flush_warnings()
  io.stdout:flush()
  for i = 1, warn_n do
    aio.native.write_error("RuntimeWarning: coroutine '", warnings[i], "' was never awaited\n")
    warnings[i] = nil
  end
  warn_n = 0
  io.stderr:flush()
end

local function sweep_young()
  for i = 1, young_n do
    local c = young[i]
    young[i] = nil
    if c.fn then
      setmetatable(c, CoroGC)
      watched = watched + 1
    end
  end
  young_n = 0
end

function aio.coroutine(fn, name)
  local c = setmetatable({ fn = fn, name = name }, Coroutine)
  local n = young_n + 1
  young[n] = c
  young_n = n
  if n >= 512 then sweep_young() end
  return c
end

-- `async def f(params): body` compiles to aio.async_def(raw, "f", spec) where
-- raw(params) runs the prologue and body directly. f(args) returns a
-- coroutine object whose body calls raw(args); `await f(args)` compiles to
-- aio.acall(f, args), which calls raw(args) at once: no allocation at all.
local async_raw = setmetatable({}, { __mode = "k" })
local async_fixed = setmetatable({}, { __mode = "k" })   -- those without *args
-- `await f(a, b)` (plain positional arguments) compiles to aio.afix[f](a, b):
-- for an async def without *args (or a runtime function registered with
-- set_fixed) the raw body itself, so the await costs one table read and one
-- call; for anything else a closure, made once per callee, that does what
-- aio.acall does.
local afix_slow = setmetatable({}, { __mode = "k" })
local function afix_miss(_, f)
  local s = f ~= nil and f == f and afix_slow[f]
  if s then return s end
  s = function(...) return aio.acall(f, ...) end
  if f ~= nil and f == f then afix_slow[f] = s end
  return s
end
local afix = setmetatable({}, { __mode = "k", __index = afix_miss })
aio.afix = afix
local function set_fixed(f, raw)
  async_fixed[f] = raw
  afix[f] = raw
end
local coroutine_new = aio.coroutine

function aio.async_def(raw, name, spec)
  aio.def(raw, name, spec)
  local short = spec and spec.name or name
  local f = function(...)
    local n = select("#", ...)
    local body
    if n == 0 then
      body = raw   -- (no closure: calling the body is calling raw())
    elseif n == 1 then
      local a = ...
      body = function() return raw(a) end
    elseif n == 2 then
      local a, b = ...
      body = function() return raw(a, b) end
    else
      local args = table.pack(...)
      body = function() return raw(table.unpack(args, 1, args.n)) end
    end
    local c = coroutine_new(body, name)
    c.raw = raw
    return c
  end
  async_raw[f] = raw
  if not (spec and spec.vararg) then set_fixed(f, raw) end
  aio.def(f, short, spec)
  return f
end

local await
function aio.acall(f, ...)
  local raw = async_raw[f]
  if raw then return raw(...) end
  return (await(f(...)))
end
-- acallN(f, args): N plain arguments; a raw body without *args can take them
-- directly. Tail calls (compiled bodies return exactly one value) keep a
-- suspended task's Lua stack shallow: every frame costs memory per task.
function aio.acall0(f)
  local raw = async_fixed[f]
  if raw then return raw() end
  return aio.acall(f)
end
function aio.acall1(f, a)
  local raw = async_fixed[f]
  if raw then return raw(a) end
  return aio.acall(f, a)
end
function aio.acall2(f, a, b)
  local raw = async_fixed[f]
  if raw then return raw(a, b) end
  return aio.acall(f, a, b)
end
function aio.acall3(f, a, b, c)
  local raw = async_fixed[f]
  if raw then return raw(a, b, c) end
  return aio.acall(f, a, b, c)
end

-- `await o.m(args)` (plain positional args, N = 0..3) compiles to
-- aio.acallmN(o, "m", args): when o's class itself holds m and m is an async
-- def without *args (or a runtime async method registered with
-- aio.async_method), its body runs at once: no coroutine object.
local native_async_method = native.async_method
function aio.acallm0(o, name)
  local raw = native_async_method(o, name, async_fixed)
  if raw then return raw(o) end
  return (await(aio.callm(o, name)))
end
function aio.acallm1(o, name, a)
  local raw = native_async_method(o, name, async_fixed)
  if raw then return raw(o, a) end
  return (await(aio.callm(o, name, a)))
end
function aio.acallm2(o, name, a, b)
  local raw = native_async_method(o, name, async_fixed)
  if raw then return raw(o, a, b) end
  return (await(aio.callm(o, name, a, b)))
end
function aio.acallm3(o, name, a, b, c)
  local raw = native_async_method(o, name, async_fixed)
  if raw then return raw(o, a, b, c) end
  return (await(aio.callm(o, name, a, b, c)))
end
-- A runtime method f (called as f(self, ...) and returning a coroutine
-- object) whose body is raw(self, ...): `await o.f(...)` calls raw directly.
function aio.async_method(f, raw) set_fixed(f, raw) end

local function is_coro(x)
  local mt = getmetatable(x)
  return mt == Coroutine or mt == CoroGC
end
aio.is_coroutine = is_coro

---------------------------------------------------------------------------
-- the scheduler's state
---------------------------------------------------------------------------
local SUSPEND = {}      -- tag a task yields to suspend itself
local PARKED = {}       -- Task.waiting while parked (aio.park); while in the
                        -- timer heap it is the entry's sequence number
aio.SUSPEND_TAG = SUSPEND

local current = nil     -- the running Task
local main_task = nil
local fatal = nil       -- a SystemExit/KeyboardInterrupt raised by a task
local stop_loop = false

-- ready queue: rq[i] is a Task (step it; rqa[i] is nil) or a callback (call
-- it with rqa[i], never nil)
local rq, rqa, rq_head, rq_tail = {}, {}, 1, 1
local function rq_push(x, a)
  local t = rq_tail
  rq[t] = x
  rqa[t] = a
  rq_tail = t + 1
end

-- timer heap: parallel arrays of deadline (ms), sequence number, value (a
-- sleeping Task, valid while task.waiting equals the entry's sequence, or a
-- TimerHandle, valid unless cancelled)
local hd, hs, hv, hn, hseq = {}, {}, {}, 0, 0

local function heap_push(when, v)
  hseq = hseq + 1
  hn = hn + 1
  local i = hn
  while i > 1 do
    local p = i // 2
    if hd[p] <= when then break end   -- equal deadlines keep insertion order (seq grows)
    hd[i], hs[i], hv[i] = hd[p], hs[p], hv[p]
    i = p
  end
  hd[i], hs[i], hv[i] = when, hseq, v
  return hseq
end

local function heap_pop()
  local s, v = hs[1], hv[1]
  local lt, ls, lv = hd[hn], hs[hn], hv[hn]
  hd[hn], hs[hn], hv[hn] = nil, nil, nil
  hn = hn - 1
  if hn > 0 then
    local i = 1
    while true do
      local c = 2 * i
      if c > hn then break end
      local dc = hd[c]
      if c < hn then
        local d2 = hd[c + 1]
        if d2 < dc or (d2 == dc and hs[c + 1] < hs[c]) then c = c + 1 dc = d2 end
      end
      if lt < dc or (lt == dc and ls < hs[c]) then break end
      hd[i], hs[i], hv[i] = dc, hs[c], hv[c]
      i = c
    end
    hd[i], hs[i], hv[i] = lt, ls, lv
  end
  return s, v
end

---------------------------------------------------------------------------
-- Futures and Tasks
---------------------------------------------------------------------------
local PENDING, FINISHED, CANCELLED = "PENDING", "FINISHED", "CANCELLED"
local Future = aio.bclass("Future")
Future.__module__ = "asyncio"
local Task = aio.bclass("Task", { Future })
Task.__module__ = "asyncio"
aio.Future, aio.Task = Future, Task

-- Internal fields that may be nil (reading them must not raise).
-- A pending Task holds at most coro, co (false until it starts, then its
-- Lua thread), waiting (its body until it starts) and cbs, so its hash part
-- stays at 4 entries (96 bytes) while it sleeps: its st is the class's PENDING until it is done,
-- and its name is kept on its coroutine object (aio_tname), which belongs
-- to that task only.
local INTERNAL = {
  val = true, err = true, cbs = true, waiting = true, mustc = true, cmsg = true,
  ncancel = true, logtb = true, creq = true, coro = true, co = true,
  children = true, name = true, ctx = true,
}
local function obj_index(cls)
  return function(o, k)
    local m = rawget(cls, k)
    if m ~= nil then return m end
    if INTERNAL[k] then return nil end
    throw(aio.AttributeError, "'" .. tname(o) .. "' object has no attribute '" .. tostring(k) .. "'")
  end
end
Future.__index = obj_index(Future)
-- The hot internal fields a Task may lack are read through a table chain,
-- not a function: t.st is PENDING, t.waiting and t.mustc are false unless
-- set. Everything else (methods, errors) goes on to obj_index.
Task.__index = setmetatable({ st = PENDING, waiting = false, mustc = false }, { __index = obj_index(Task) })
Task.st = PENDING   -- a Task has no st field of its own until it is done

local unretrieved, unretrieved_n = {}, 0   -- failed futures, in order
local live_tasks, task_counter = {}, 0

local function new_future()
  return setmetatable({ st = PENDING }, Future)
end
aio.new_future = new_future

local function is_future(x)
  local mt = getmetatable(x)
  return mt == Task or mt == Future or (mt ~= nil and getmetatable(mt) == aio.Type and issub(mt, Future))
end
aio.is_future = is_future

-- f.cbs: nil, one callback, or (for two or more) a list marked with the
-- CBLIST metatable; most futures have a single waiter, which then costs no
-- table. A callback is a Task (wake it) or a function called with f.
local CBLIST = {}

local function schedule_cb(cb, f)
  if getmetatable(cb) == Task then
    cb.waiting = nil
    rq_push(cb)
  else
    rq_push(cb, f)
  end
end

-- Schedules the callbacks of a future that just completed, in order.
local function fut_schedule_callbacks(f)
  local cbs = rawget(f, "cbs")
  if cbs == nil then return end
  f.cbs = nil
  if getmetatable(cbs) ~= CBLIST then return schedule_cb(cbs, f) end
  for i = 1, #cbs do schedule_cb(cbs[i], f) end
end

local function fut_add_callback(f, cb)
  local cbs = rawget(f, "cbs")
  if cbs == nil then f.cbs = cb
  elseif getmetatable(cbs) ~= CBLIST then f.cbs = setmetatable({ cbs, cb }, CBLIST)
  else cbs[#cbs + 1] = cb end
end

local function cb_matches(x, cb)
  return rawequal(x, cb) or (type(x) == "table" and rawget(x, "aio_user_cb") == cb)
end

local function fut_remove_callback(f, cb)
  local cbs = rawget(f, "cbs")
  if cbs == nil then return 0 end
  if getmetatable(cbs) ~= CBLIST then
    if cb_matches(cbs, cb) then f.cbs = nil return 1 end
    return 0
  end
  local n, j = 0, 0
  for i = 1, #cbs do
    local x = cbs[i]
    cbs[i] = nil
    if cb_matches(x, cb) then n = n + 1
    else j = j + 1 cbs[j] = x end
  end
  return n
end

local function fut_set_result(f, v)
  f.st = FINISHED
  f.val = v
  fut_schedule_callbacks(f)
end

local function fut_set_exception(f, e)
  f.st = FINISHED
  f.err = e
  f.logtb = true
  unretrieved_n = unretrieved_n + 1
  unretrieved[unretrieved_n] = f
  fut_schedule_callbacks(f)
end

local function fut_cancel(f, msg)
  if f.st ~= PENDING then return false end
  local m = getmetatable(f)
  if m ~= Future and m ~= Task then
    local c = lookup(m, "cancel")
    if c and c ~= Future.cancel then return aio.truthy(c(f, msg == nil and None or msg)) end
  end
  if m == Task then return aio.task_cancel(f, msg) end
  f.st = CANCELLED
  f.cmsg = msg
  fut_schedule_callbacks(f)
  return true
end

-- Raises e (a finished future's exception) in the current frame, keeping the
-- frames where it was raised as the inner part of its new traceback.
local function reraise(e)
  local tb = rawget(e, "aio_task_tb")
  if tb == nil then
    tb = rawget(e, "aio_tb") or false
    rawset(e, "aio_task_tb", tb)
  end
  if tb then
    local inner = {}
    for i = 1, #tb do inner[i] = tb[i] end
    rawset(e, "aio_inner", inner)
  end
  rawset(e, "aio_tb", nil)
  rawset(e, "aio_anchor", nil)   -- inner frames to append (see "How tracebacks are recorded", 90_main)
  error(e, 0)
end

-- Makes e's partly recorded traceback final (e is about to become a cause).
local function complete_tb(e)
  if rawget(e, "aio_tb") == nil and rawget(e, "aio_inner") then
    rawset(e, "aio_tb", rawget(e, "aio_inner"))
    rawset(e, "aio_inner", nil)
    rawset(e, "aio_anchor", nil)
  end
end

local function cancelled_error(f)
  return new_exc(CancelledError, rawget(f, "cmsg"))
end

-- The result of a finished future (raises its exception).
local function fut_result(f)
  local st = f.st
  if st == FINISHED then
    local e = rawget(f, "err")
    if e ~= nil then
      f.logtb = nil
      reraise(e)
    end
    local v = rawget(f, "val")
    if v == nil then return None end
    return v
  end
  if st == CANCELLED then
    local ce = rawget(f, "cerr")
    if ce then reraise(ce) end
    error(cancelled_error(f), 0)
  end
  throw(InvalidStateError, "Result is not set.")
end
aio.future_result = fut_result

---------------------------------------------------------------------------
-- tasks
---------------------------------------------------------------------------
local function no_loop()
  throw(RuntimeError, "no running event loop")
end

-- Raises CancelledError at the current await of task t.
local function raise_cancel(t)
  t.mustc = nil
  local msg = rawget(t, "cmsg")
  aio.raise(new_exc(CancelledError, msg))
end

-- Suspends the running task t until something schedules it again.
local function suspend(t)
  co_yield(SUSPEND)
  if t.mustc then raise_cancel(t) end
end

-- Task threads. A task gets its Lua thread when it first runs; the thread's
-- function loops: it runs the body of the current task (no xpcall: a failed
-- thread keeps its stack and the traceback is read from it, as for
-- generators), then yields DONE with the result and waits for the next task.
-- Threads whose body returned go back to a small pool. A suspended task's
-- stack is task_main -> its body -> the awaited leaf, so a sleeping task
-- costs little more than Lua's minimal thread.
local DONE = {}
local pool, pool_n, POOL_MAX = {}, 0, 256

-- c (its first local) names the body's frame in tracebacks (aio.tb_frame_name).
-- The body is called straight from take_body's result, so no local keeps
-- the body closure alive while it runs (it tail-calls the async def's raw
-- function); an async def's closure is not needed to describe the task.
local starting = nil   -- the body of the task task_start is starting
local function take_body()
  local fn = starting
  starting = nil
  return fn
end

local function task_main(c)
  while true do
    local r = take_body()()
    c = co_yield(DONE, r)
  end
end
local function new_task(c, name)
  task_counter = task_counter + 1
  -- the task takes the body (c.fn = false): c is now awaited, so the
  -- never-awaited sweep gives it no finalizer
  -- Until it starts, t.co is false and t.waiting holds the body (so the
  -- ready queue needs no tag for a first run, and no field is added later).
  local fn = c.fn
  local t = setmetatable({ coro = c, co = false, waiting = fn }, Task)
  c.fn = false
  -- (what describes the task: the async def's raw function, else the body)
  if rawget(c, "raw") == nil then c.raw = fn end
  if name ~= nil and not rawequal(name, None) then c.aio_tname = aio.str(name) else c.aio_tname = task_counter end
  live_tasks[t] = true
  rq_push(t)
  return t
end

local function create_task(coro, name)
  if not is_coro(coro) then
    throw(TypeError, "a coroutine was expected, got " .. aio.repr(coro))
  end
  if not coro.fn then throw(RuntimeError, "cannot reuse already awaited coroutine") end
  if current == nil and main_task == nil then no_loop() end
  return new_task(coro, name)
end
aio.create_task = create_task

-- A failed or cancelled main task ends the program at once.
local function task_done(t)
  live_tasks[t] = nil
  if t == main_task and (t.st ~= FINISHED or rawget(t, "err") ~= nil) then stop_loop = true end
end

local function task_finish(t, ok, r)
  if ok then
    t.st = FINISHED
    if r ~= nil then t.val = r end
    task_done(t)
    fut_schedule_callbacks(t)
    return
  end
  local e = aio.exc(r)
  if isinst(e, CancelledError) then
    t.st = CANCELLED
    t.cerr = e
    task_done(t)
    fut_schedule_callbacks(t)
    return
  end
  if isinst(e, aio.SystemExit) or isinst(e, aio.KeyboardInterrupt) then
    fatal = e
    stop_loop = true
  end
  t.st = FINISHED
  t.err = e
  if t ~= main_task then
    t.logtb = true
    unretrieved_n = unretrieved_n + 1
    unretrieved[unretrieved_n] = t
  end
  task_done(t)
  fut_schedule_callbacks(t)
end

-- After task t's thread co came back from a resume that did not suspend
-- it: the body returned (DONE), failed, or a bare yield reached the loop.
local function task_after(t, co, ok, a, b)
  t.co = nil
  if ok then
    if a == DONE then
      if pool_n < POOL_MAX then
        pool_n = pool_n + 1
        pool[pool_n] = co
      end
      task_finish(t, true, b)
    else
      -- a bare yield reached the task (e.g. yield in a coroutine that is not an async generator)
      task_finish(t, false, new_exc(RuntimeError, "yield outside a generator reached the event loop"))
    end
    return
  end
  local e = aio.exc(a)
  if type(e) == "table" then
    aio.tb_add_coroutine(e, co, "<module>")
    complete_tb(e)
  end
  -- A thread that died of an error keeps its to-be-closed variables pending
  -- (except-body markers that set __context__): close them, traceback taken.
  coroutine.close(co)
  task_finish(t, false, e)
end

-- Runs task t for the first time (t.co is false, t.waiting its body): it
-- gets a thread, resumed with its coroutine object (task_main's c).
local function task_start(t)
  local co = t.waiting
  t.waiting = nil
  if t.mustc then
    -- cancelled before it started: the body never runs
    t.mustc = nil
    t.co = nil
    task_finish(t, false, new_exc(CancelledError, rawget(t, "cmsg")))
    return
  end
  starting = co
  if pool_n > 0 then
    co = pool[pool_n]
    pool[pool_n] = nil
    pool_n = pool_n - 1
  else
    co = co_create(task_main)
  end
  t.co = co
  current = t
  local ok, a, b = co_resume(co, t.coro)
  current = nil
  if ok and a == SUSPEND then return end
  task_after(t, co, ok, a, b)
end

function aio.task_cancel(t, msg)
  if t.st ~= PENDING then return false end
  t.ncancel = (rawget(t, "ncancel") or 0) + 1
  if msg ~= nil and not rawequal(msg, None) then t.cmsg = msg end
  local w = rawget(t, "waiting")
  if rawget(t, "co") == false then w = nil end   -- not started: w is its body
  if w == PARKED or type(w) == "number" then   -- parked or sleeping
    t.waiting = nil
    t.mustc = true
    rq_push(t)
    return true
  end
  if w ~= nil and fut_cancel(w, msg) then return true end
  if w ~= nil then
    -- the awaited object refused: wake the task to raise CancelledError
    fut_remove_callback(w, t)
    t.waiting = nil
    rq_push(t)
  end
  t.mustc = true
  return true
end

-- await on a Future or Task.
local function await_future(f)
  if f.st == PENDING then
    local t = current
    if t == nil then no_loop() end
    if rawequal(f, t) then throw(RuntimeError, "Task cannot await on itself: " .. aio.repr(t)) end
    fut_add_callback(f, t)
    t.waiting = f
    co_yield(SUSPEND)
    if t.mustc then
      if f.st == PENDING then fut_remove_callback(f, t) end
      t.waiting = nil
      raise_cancel(t)
    end
  end
  return fut_result(f)
end
aio.await_future = await_future

-- Parking: a runtime waiter that needs no Future (a stream reader waiting for
-- data keeps the task itself). park() suspends the running task until
-- unpark(t) or a cancel; it returns that task's resumption status: true when
-- unparked, false when cancelled (the caller cleans up, then calls
-- aio.raise_cancel()). unpark(t) returns whether t was parked (on a task no
-- longer parked it does nothing).
function aio.park()
  local t = current
  if t == nil then no_loop() end
  t.waiting = PARKED
  co_yield(SUSPEND)
  if t.mustc then return false end
  return true
end
-- park_in(list): appends the running task to list, then parks it; returns
-- park()'s status and the task.
function aio.park_in(list)
  local t = current
  if t == nil then no_loop() end
  list[#list + 1] = t
  t.waiting = PARKED
  co_yield(SUSPEND)
  if t.mustc then return false, t end
  return true, t
end
function aio.unpark(t)
  if t.waiting == PARKED then
    t.waiting = nil
    local n = rq_tail   -- rq_push(t), inlined
    rq[n] = t
    rq_tail = n + 1
    return true
  end
  return false
end
function aio.raise_cancel() raise_cancel(current) end

local function await_other(x)
  if is_future(x) then return await_future(x) end
  local m = lookup(typeof(x), "__await__")
  if m then
    local it = m(x)
    if is_coro(it) or is_future(it) then return aio.await(it) end
    -- an iterator: drive it (asyncio's bare-yield protocol is not supported)
    local r
    for v in aio.iter(it) do r = v end
    return r == nil and None or r
  end
  throw(TypeError, "object " .. tname(x) .. " can't be used in 'await' expression")
end

await = function(x)
  local mt = getmetatable(x)
  if mt == Coroutine or mt == CoroGC then
    local fn = x.fn
    if not fn then throw(RuntimeError, "cannot reuse already awaited coroutine") end
    x.fn = false
    return (fn())
  end
  return (await_other(x))
end

aio.await = await

---------------------------------------------------------------------------
-- timer handles (call_soon / call_later)
---------------------------------------------------------------------------
local TimerHandle = aio.bclass("TimerHandle")
TimerHandle.__module__ = "asyncio"
TimerHandle.__index = obj_index(TimerHandle)

function aio.call_later_ms(ms, fn, arg)
  local h = setmetatable({ cb = fn, arg = arg, cancelled = false }, TimerHandle)
  h.when = now_ms() + ms
  heap_push(h.when, h)
  return h
end
local run_timer_handle
-- call_soon: runs fn(arg) after the tasks already ready; returns a handle.
function aio.call_soon(fn, arg)
  local h = setmetatable({ cb = fn, arg = arg, cancelled = false, when = now_ms() }, TimerHandle)
  rq_push(run_timer_handle, h)
  return h
end
aio.method(TimerHandle, "cancel", { "self" }, function(h) h.cancelled = true return None end)
aio.method(TimerHandle, "cancelled", { "self" }, function(h) return h.cancelled end)
aio.method(TimerHandle, "when", { "self" }, function(h) return h.when / 1000 end)
TimerHandle.aio_repr = function(h)
  return "<TimerHandle" .. (h.cancelled and " cancelled" or "") .. " when=" .. aio.repr(h.when / 1000) .. ">"
end

run_timer_handle = function(h)
  if not h.cancelled then
    h.cancelled = true
    h.cb(h.arg)
  end
end

---------------------------------------------------------------------------
-- the loop
---------------------------------------------------------------------------
local interrupted, in_loop = false, false   -- (see deliver_interrupt)

local function report_callback_error(e)
  io.stdout:flush()
  aio.native.write_error("Exception in callback\n", aio.format_exception(aio.exc(e)))
  io.stderr:flush()
end

-- Runs the tasks and callbacks ready now, in order (those they make ready
-- wait for the next loop iteration). When nothing else could happen between
-- two iterations (no timers, no I/O, no pending warnings or interrupt), the
-- next batch is run at once: the same order, without the loop's round trip.
local function run_ready()
  local stop = rq_tail
  local i = rq_head
  while true do
    while i < stop do
      local x, a = rq[i], rqa[i]
      rq[i], rqa[i] = nil, nil
      i = i + 1
      rq_head = i
      if a == nil then
        -- a task resumes (only ever from here): x.co is the thread of a
        -- pending task that has started, false before it starts (only
        -- new_task queues it then) and nil once it is done
        local co = x.co
        if co then
          current = x
          local ok, r, b = co_resume(co)
          current = nil
          if not (ok and r == SUSPEND) then task_after(x, co, ok, r, b) end
        elseif co == false then
          task_start(x)
        end
      else   -- a callback (any callable) and its argument
        local ok, e = xpcall(x, traceback_handler, a)
        if not ok then report_callback_error(e) end
      end
      if stop_loop then return end
    end
    stop = rq_tail
    if i == stop then
      rq_head, rq_tail = 1, 1
      return
    end
    if hn > 0 or warn_n > 0 or interrupted or loop_alive() then return end
  end
end

-- Drops cancelled/stale timers at the top; returns the earliest live deadline.
local function next_deadline()
  while hn > 0 do
    local v = hv[1]
    if getmetatable(v) == Task then
      if v.waiting == hs[1] then return hd[1] end
    elseif not v.cancelled then
      return hd[1]
    end
    heap_pop()
  end
  return nil
end

local function run_timers(now)
  while hn > 0 and hd[1] <= now do
    local s, v = heap_pop()
    if getmetatable(v) == Task then
      if v.waiting == s then
        v.waiting = nil
        rq_push(v)
      end
    elseif not v.cancelled then
      rq_push(run_timer_handle, v)
    end
  end
end

-- Ctrl-C (vm/interrupt.c). An interrupt that lands in the runtime's own code
-- on the main thread (the scheduler, typically right after the loop woke from
-- waiting, or a network event handler) is taken by the defer function and
-- delivered by the loop to the main task, at its pending await. User code
-- running on the main thread (a callback) is interrupted where it is.
if native.set_interrupt_defer then
  native.set_interrupt_defer(function()
    if not in_loop then return false end
    local lvl = 2   -- 1 is this function, 2 the code the hook interrupted
    while true do
      local info = getinfo(lvl, "S")
      if not info then break end
      if ssub(info.source, 1, 1) == "@" then return false end
      lvl = lvl + 1
    end
    interrupted = true
    return true
  end)
end

local function deliver_interrupt()
  interrupted = false
  local t = main_task
  if t and t.st == PENDING and t.co then
    local w = rawget(t, "waiting")
    if w ~= nil then
      -- parked, or sleeping (its heap entry goes stale), or on a future
      if w ~= PARKED and type(w) ~= "number" then fut_remove_callback(w, t) end
      t.waiting = nil
      rq_push(t)
    end
    native.interrupt_arm(t.co)
    return
  end
  -- the main script has ended (an open server keeps the program alive)
  if not fatal then fatal = new_exc(aio.KeyboardInterrupt) end
  stop_loop = true
end

-- Runs until nothing is left to do (or the main task failed / a task exited).
local function loop_run()
  while not stop_loop do
    if interrupted then
      deliver_interrupt()
      if stop_loop then break end
    end
    if rq_head < rq_tail then
      run_ready()
      if stop_loop then break end
      if warn_n > 0 then flush_warnings() end
      if hn > 0 then run_timers(now_ms()) end
      if rq_head < rq_tail and loop_alive() then loop_wait(0) end
    else
      local nd = next_deadline()
      if nd then
        local n = now_ms()
        if nd > n then loop_wait(nd - n) end
        run_timers(now_ms())
      elseif loop_alive() then
        loop_wait(-1)
      else
        break
      end
    end
  end
end

---------------------------------------------------------------------------
-- end of the program: reports
---------------------------------------------------------------------------
local function coro_where(t, done)
  local fn = t.coro and rawget(t.coro, "raw")
  local info = fn and getinfo(fn, "S")
  local name = t.coro and t.coro.name or "?"
  if not info then return name .. "()" end
  local src = ssub(info.source, 1, 1) == "@" and ssub(info.source, 2) or info.source
  if done then return name .. "() done, defined at " .. src .. ":" .. info.linedefined end
  -- the line where the suspended body currently is
  local line = info.linedefined
  if type(t.co) == "thread" and co_status(t.co) == "suspended" then
    local l = 0
    while true do
      local fi = getinfo(t.co, l, "fl")
      if not fi then break end
      if fi.func == fn then line = fi.currentline break end
      l = l + 1
    end
  end
  return name .. "() running at " .. src .. ":" .. line
end

local function task_name(t)
  local n = rawget(t.coro, "aio_tname")
  if type(n) == "number" then return "Task-" .. n end
  return n
end

local function fut_state_repr(f)
  if f.st == FINISHED then
    local e = rawget(f, "err")
    if e ~= nil then return "exception=" .. aio.repr(e) end
    local v = rawget(f, "val")
    return "result=" .. aio.repr(v == nil and None or v)
  end
  return nil
end

Task.aio_repr = function(t)
  local st = slower(t.st)
  local s = "<Task " .. st .. " name='" .. task_name(t) .. "' coro=<" .. coro_where(t, t.st ~= PENDING) .. ">"
  local r = fut_state_repr(t)
  if r then s = s .. " " .. r end
  return s .. ">"
end
Future.aio_repr = function(f)
  local s = "<Future " .. slower(f.st)
  local r = fut_state_repr(f)
  if r then s = s .. " " .. r end
  return s .. ">"
end

local function report_unretrieved()
  for i = 1, unretrieved_n do
    local f = unretrieved[i]
    unretrieved[i] = nil
    if rawget(f, "logtb") then
      f.logtb = nil
      local e = f.err
      local kind = tname(f)
      io.stdout:flush()
      local tb = rawget(e, "aio_task_tb")
      if tb then rawset(e, "aio_tb", tb) end
      aio.native.write_error(kind, " exception was never retrieved\nfuture: ", aio.repr(f), "\n", aio.format_exception(e))
      io.stderr:flush()
    end
  end
  unretrieved_n = 0
end

local function final_collect()
  sweep_young()
  if watched > 0 then   -- (two full collections of a big heap cost time)
    collectgarbage("collect")
    collectgarbage("collect")
  end
  if warn_n > 0 then flush_warnings() end
end

-- Runs the main chunk as Task-1 and the loop until nothing is left.
-- Returns true, or false plus the exception that ends the program.
function aio.run_main_task(chunk)
  local c = setmetatable({ fn = function() chunk(aio) return None end, name = "<module>" }, Coroutine)
  local t = new_task(c, nil)
  main_task = t
  in_loop = true
  loop_run()
  in_loop = false
  if interrupted then
    interrupted = false
    if not fatal then fatal = new_exc(aio.KeyboardInterrupt) end
  end
  local ok, e = true, nil
  if fatal then
    ok, e = false, fatal
  elseif t.st == PENDING then
    e = new_exc(RuntimeError, "the main script is waiting, but no task, timer or I/O remains that could wake it")
    local frames = aio.tb_capture and aio.tb_capture(t.co, 0, "<module>")
    if frames then rawset(e, "aio_tb", frames) end
    ok = false
  elseif t.st == CANCELLED then
    ok, e = false, rawget(t, "cerr") or cancelled_error(t)
  elseif rawget(t, "err") then
    ok, e = false, t.err
  end
  report_unretrieved()
  final_collect()
  return ok, e
end

-- Names the frame of a coroutine body for tracebacks: the body's caller is
-- aio.await or task_main, whose first local is the coroutine object.
local coro_callers = { [aio.await] = true, [task_main] = true }
function aio.tb_frame_name(thread, lvl)
  local caller
  if thread then caller = lvl + 1 else caller = lvl + 2 end
  local info
  if thread then info = getinfo(thread, caller, "f") else info = getinfo(caller, "f") end
  if not info or not coro_callers[info.func] then return nil end
  local _, c
  if thread then _, c = getlocal(thread, caller, 1) else _, c = getlocal(caller, 1) end
  if type(c) == "table" and type(rawget(c, "name")) == "string" then
    local n = rawget(c, "name")
    return smatch(n, "([^%.]+)$") or n
  end
  return nil
end

---------------------------------------------------------------------------
-- sleep, spawn, gather, wait_for, timeout
---------------------------------------------------------------------------
local function check_delay(d)
  if type(d) ~= "number" then
    if type(d) == "boolean" then return d and 1 or 0 end
    throw(TypeError, "'<=' not supported between instances of '" .. tname(d) .. "' and 'int'")
  end
  return d
end

-- (also `await sleep(...)` through aio.acallN: extra is a 3rd argument there)
local function sleep(delay, result, extra)
  if delay == nil then aio.missing("sleep", "delay") end
  if extra ~= nil then throw(TypeError, "sleep() takes from 1 to 2 positional arguments but 3 were given") end
  local t = current
  if t == nil then no_loop() end
  delay = check_delay(delay)
  if delay <= 0 then
    rq_push(t)
  else
    t.waiting = heap_push(now_ms() + delay * 1000, t)
  end
  co_yield(SUSPEND)
  if t.mustc then raise_cancel(t) end
  if result == nil then return None end
  return result
end
aio.sleep = sleep

local function ensure_future(x)
  if is_future(x) then return x end
  if is_coro(x) then return create_task(x) end
  if lookup(typeof(x), "__await__") then
    local c = aio.coroutine(function() return aio.await(x) end, "_wrap_awaitable")
    return create_task(c)
  end
  throw(TypeError, "An asyncio.Future, a coroutine or an awaitable is required")
end
aio.ensure_future = ensure_future

local GatheringFuture = aio.bclass("_GatheringFuture", { Future })
GatheringFuture.__module__ = "asyncio"
GatheringFuture.__index = obj_index(GatheringFuture)
GatheringFuture.aio_repr = Future.aio_repr

-- args: a 1-based Lua array of n awaitables.
local function gather(args, n, return_exceptions)
  local outer = setmetatable({ st = PENDING }, GatheringFuture)
  if n == 0 then
    fut_set_result(outer, setmetatable({}, aio.List))
    return outer
  end
  -- An awaitable given twice is wrapped once (as in asyncio). A coroutine
  -- not yet awaited cannot be a repeat (wrapping takes its body), so the map
  -- `seen` of awaitables already wrapped is only built, from the arguments
  -- so far, when some other awaitable comes: gather(*many) of fresh
  -- coroutines needs no table besides `children`.
  local children, seen = {}, nil
  for i = 0, n - 1 do
    local a = args[i + 1]
    local f
    local mt = getmetatable(a)
    if (mt == Coroutine or mt == CoroGC) and a.fn then
      f = create_task(a)
    elseif is_future(a) then
      f = a
    else
      if seen == nil then
        seen = {}
        for j = 0, i - 1 do
          local b = args[j + 1]
          if not is_future(b) then seen[b] = children[j] end
        end
      end
      f = seen[a]
      if f == nil then
        f = ensure_future(a)
        seen[a] = f
      end
    end
    children[i] = f
  end
  outer.children = children
  local nfinished = 0
  local function done_cb(f)
    nfinished = nfinished + 1
    if outer.st ~= PENDING then
      if f.st == FINISHED then f.logtb = nil end
      return
    end
    if not return_exceptions then
      if f.st == CANCELLED then
        local e = cancelled_error(f)
        fut_set_exception(outer, e)
        return
      end
      local e = rawget(f, "err")
      if e ~= nil then
        f.logtb = nil
        fut_set_exception(outer, e)
        return
      end
    end
    if nfinished == n then
      local res = {}
      for i = 0, n - 1 do
        local c = children[i]
        if c.st == CANCELLED then res[i] = cancelled_error(c)
        elseif rawget(c, "err") ~= nil then c.logtb = nil res[i] = c.err
        else local v = rawget(c, "val") if v == nil then v = None end res[i] = v end
      end
      if rawget(outer, "creq") then
        fut_set_exception(outer, cancelled_error(outer))
      else
        fut_set_result(outer, setmetatable(res, aio.List))
      end
    end
  end
  for i = 0, n - 1 do
    local c = children[i]
    if c.st ~= PENDING then rq_push(done_cb, c) else fut_add_callback(c, done_cb) end
  end
  return outer
end
aio.gather = gather

local function gathering_cancel(g, msg)
  if g.st ~= PENDING then return false end
  local ret = false
  local ch = rawget(g, "children")
  if ch then
    for i = 0, #ch do
      local c = ch[i]
      if c ~= nil and fut_cancel(c, nn(msg)) then ret = true end
    end
  end
  if ret then g.creq = true end
  return ret
end

-- Timeout: an async context manager that cancels the current task at a
-- deadline and turns that cancellation into TimeoutError (never losing an
-- outside cancel: counted with Task.cancelling/uncancel as in asyncio).
local Timeout = aio.bclass("Timeout")
Timeout.__module__ = "asyncio"
Timeout.__index = obj_index(Timeout)
aio.Timeout = Timeout

local function timeout_fire(tm)
  tm.handle = false
  tm.state = "expiring"
  aio.task_cancel(tm.task)
end

local function timeout_reschedule(tm, when)
  local h = rawget(tm, "handle")
  if h then h.cancelled = true tm.handle = false end
  tm.when = when
  if when == nil or tm.state ~= "entered" then return end
  local n = now_ms()
  if when <= n then
    tm.handle = setmetatable({ cb = timeout_fire, arg = tm, cancelled = false, when = n }, TimerHandle)
    rq_push(run_timer_handle, tm.handle)
  else
    tm.handle = aio.call_later_ms(when - n, timeout_fire, tm)
  end
end

local function new_timeout(when_ms)
  return setmetatable({ when = when_ms, state = "created", handle = false }, Timeout)
end
aio.new_timeout = new_timeout

function Timeout.aio_aenter(tm)
  if tm.state ~= "created" then throw(RuntimeError, "Timeout has already been entered") end
  local t = current
  if t == nil then throw(RuntimeError, "Timeout should be used inside a task") end
  tm.state = "entered"
  tm.task = t
  tm.cancelling = rawget(t, "ncancel") or 0
  timeout_reschedule(tm, rawget(tm, "when"))
  return tm
end

-- e: the exception leaving the block, or nil. Returns the exception to raise
-- instead (TimeoutError), or nil.
function Timeout.aio_aexit(tm, e)
  local h = rawget(tm, "handle")
  if h then h.cancelled = true tm.handle = false end
  if tm.state == "expiring" then
    tm.state = "expired"
    local t = tm.task
    local nc = (rawget(t, "ncancel") or 1) - 1
    if nc < 0 then nc = 0 end
    t.ncancel = nc
    if nc <= tm.cancelling and e ~= nil and isinst(e, CancelledError) then
      local te = new_exc(aio.TimeoutError)
      complete_tb(e)
      rawset(te, "__cause__", e)
      rawset(te, "__context__", e)
      rawset(te, "__suppress_context__", true)
      return te
    end
  elseif tm.state == "entered" then
    tm.state = "exited"
  end
  return nil
end

local function timeout_in(delay)
  if delay == nil or rawequal(delay, None) then return new_timeout(nil) end
  return new_timeout(now_ms() + check_delay(delay) * 1000)
end
aio.timeout_in = timeout_in

local function wait_for(aw, timeout)
  if timeout == nil or rawequal(timeout, None) then return aio.await(aw) end
  timeout = check_delay(timeout)
  if timeout <= 0 then
    local f = ensure_future(aw)
    if f.st ~= PENDING then return fut_result(f) end
    fut_cancel(f)
    local t = current
    if f.st == PENDING then
      fut_add_callback(f, t)
      t.waiting = f
      suspend(t)
    end
    local ok, r = pcall(fut_result, f)
    if ok then return r end
    local e = aio.exc(r)
    if isinst(e, CancelledError) then
      local te = new_exc(aio.TimeoutError)
      complete_tb(e)
      rawset(te, "__cause__", e)
      rawset(te, "__suppress_context__", true)
      aio.raise(te)
    end
    error(e, 0)
  end
  local tm = new_timeout(now_ms() + timeout * 1000)
  Timeout.aio_aenter(tm)
  local ok, r = xpcall(aio.await, traceback_handler, aw)
  local te = Timeout.aio_aexit(tm, (not ok) and aio.exc(r) or nil)
  if te then aio.raise(te) end
  if not ok then error(r, 0) end
  return r
end
aio.wait_for = wait_for

---------------------------------------------------------------------------
-- async with / async for / async generators
---------------------------------------------------------------------------
function aio.aenter(ctx)
  local cls = typeof(ctx)
  local hook = rawget(cls, "aio_aenter")
  if hook then return hook(ctx) end
  local m = lookup(cls, "__aenter__")
  if not m or not lookup(cls, "__aexit__") then
    throw(TypeError, "'" .. tname(ctx) .. "' object does not support the asynchronous context manager protocol")
  end
  return aio.await(m(ctx))
end

function aio.aexit(ctx, ok, c)
  local cls = typeof(ctx)
  local hook = rawget(cls, "aio_aexit")
  if hook then
    local e = (not ok) and aio.exc(c) or nil
    local ne = hook(ctx, e)
    if ne then aio.raise(ne) end
    if e then error(e, 0) end
    return
  end
  local m = lookup(cls, "__aexit__")
  if ok then
    aio.await(m(ctx, None, None, None))
    return
  end
  local e = aio.exc(c)
  local r = aio.await(m(ctx, typeof(e), e, None))
  if not aio.truthy(r) then error(e, 0) end
end

local AsyncGenerator = aio.bclass("async_generator")
aio.AsyncGenerator = AsyncGenerator
AsyncGenerator.__index = aio.methods_only_index(AsyncGenerator, "async_generator")
AsyncGenerator.aio_repr = function(g) return "<async_generator object " .. g.name .. " at " .. aio.addr(g) .. ">" end

function aio.async_generator(fn, name)
  return setmetatable({ co = co_create(fn), name = name or "async_generator", done = false, running = false }, AsyncGenerator)
end

local gen_resume = aio.gen_resume
local function agen_next(g)
  local more, v = gen_resume(g)
  if more then return v end
  throw(aio.StopAsyncIteration)
end

aio.method(AsyncGenerator, "__aiter__", { "self" }, function(g) return g end)
aio.method(AsyncGenerator, "__anext__", { "self" }, function(g)
  return aio.coroutine(function() return agen_next(g) end, "__anext__")
end)
aio.method(AsyncGenerator, "aclose", { "self" }, function(g)
  return aio.coroutine(function() g.done = true return None end, "aclose")
end)
aio.method(AsyncGenerator, "asend", { "self", "value" }, function(g, v)
  return aio.coroutine(function()
    local more, r = gen_resume(g, v)
    if more then return r end
    throw(aio.StopAsyncIteration)
  end, "asend")
end)

local StopAsyncIteration = aio.StopAsyncIteration

-- async for: a Lua iterator function whose calls await __anext__.
function aio.aiter(x)
  if getmetatable(x) == AsyncGenerator then
    return function()
      local more, v = gen_resume(x)
      if more then return v end
      return nil
    end
  end
  local m = lookup(typeof(x), "__aiter__")
  if not m then
    throw(TypeError, "'async for' requires an object with __aiter__ method, got " .. tname(x))
  end
  local it = m(x)
  local anext = lookup(typeof(it), "__anext__")
  if not anext then
    throw(TypeError, "'async for' received an object from __aiter__ that does not implement __anext__: " .. tname(it))
  end
  return function()
    local ok, v = pcall(function() return aio.await(anext(it)) end)
    if ok then return v end
    local e = aio.exc(v)
    if isinst(e, StopAsyncIteration) then return nil end
    error(e, 0)
  end
end

---------------------------------------------------------------------------
-- methods
---------------------------------------------------------------------------
local method = aio.method

aio.method(Coroutine, "close", { "self" }, function(c) c.fn = false return None end)
Coroutine.__index = function(c, k)
  local m = rawget(Coroutine, k)
  if m ~= nil then return m end
  if k == "__name__" or k == "__qualname__" then return c.name end
  throw(aio.AttributeError, "'coroutine' object has no attribute '" .. tostring(k) .. "'")
end
Coroutine.aio_repr = function(c) return "<coroutine object " .. tostring(c.name) .. " at " .. aio.addr(c) .. ">" end
for k, v in pairs(Coroutine) do CoroGC[k] = v end
do
  local gc = function(c)
    if rawget(c, "fn") then
      c.fn = false
      warn_n = warn_n + 1
      warnings[warn_n] = c.name
    end
  end
  CoroGC.__gc = gc
end
setmetatable(CoroGC, getmetatable(Coroutine))

local function install_future_methods(cls)
  method(cls, "done", { "self" }, function(f) return f.st ~= PENDING end)
  method(cls, "cancelled", { "self" }, function(f) return f.st == CANCELLED end)
  method(cls, "result", { "self" }, fut_result)
  method(cls, "exception", { "self" }, function(f)
    if f.st == CANCELLED then error(cancelled_error(f), 0) end
    if f.st ~= FINISHED then throw(InvalidStateError, "Exception is not set.") end
    f.logtb = nil
    local e = rawget(f, "err")
    if e == nil then return None end
    return e
  end)
  method(cls, "add_done_callback", { "self", "fn" }, function(f, fn)
    if f.st ~= PENDING then rq_push(fn, f) else fut_add_callback(f, fn) end
    return None
  end, { kwonly = { "context" } })
  method(cls, "remove_done_callback", { "self", "fn" }, function(f, fn)
    return fut_remove_callback(f, fn)
  end)
  method(cls, "get_loop", { "self" }, function() return aio.get_running_loop and aio.get_running_loop() or None end)
end
install_future_methods(Future)
install_future_methods(Task)
install_future_methods(GatheringFuture)

method(Future, "cancel", { "self", "msg" }, function(f, msg) return fut_cancel(f, nn(msg)) end)
method(GatheringFuture, "cancel", { "self", "msg" }, function(f, msg) return gathering_cancel(f, msg) end)
method(Task, "cancel", { "self", "msg" }, function(t, msg) return aio.task_cancel(t, nn(msg)) end)
local function check_pending(f)
  if f.st ~= PENDING then throw(InvalidStateError, "invalid state") end
end
method(Future, "set_result", { "self", "result" }, function(f, v)
  check_pending(f)
  fut_set_result(f, v)
  return None
end)
method(Future, "set_exception", { "self", "exception" }, function(f, e)
  check_pending(f)
  if getmetatable(e) == aio.Type then e = e() end
  if isinst(e, aio.StopIteration) then
    throw(TypeError, "StopIteration interacts badly with generators and cannot be raised into a Future")
  end
  fut_set_exception(f, e)
  return None
end)
method(Task, "get_name", { "self" }, task_name)
method(Task, "set_name", { "self", "value" }, function(t, v) t.coro.aio_tname = aio.str(v) return None end)
method(Task, "get_coro", { "self" }, function(t) return t.coro end)
method(Task, "cancelling", { "self" }, function(t) return rawget(t, "ncancel") or 0 end)
method(Task, "uncancel", { "self" }, function(t)
  local n = rawget(t, "ncancel") or 0
  if n > 0 then n = n - 1 t.ncancel = n end
  return n
end)
-- Futures are awaitable through their class too (await x.__await__() is rare).

aio.method(Timeout, "__aenter__", { "self" }, function(tm)
  return aio.coroutine(function() return Timeout.aio_aenter(tm) end, "__aenter__")
end)
aio.method(Timeout, "__aexit__", { "self", "exc_type", "exc_val", "exc_tb" }, function(tm, _, ev)
  return aio.coroutine(function()
    local ne = Timeout.aio_aexit(tm, nn(ev))
    if ne then aio.raise(ne) end
    return None
  end, "__aexit__")
end)
aio.method(Timeout, "when", { "self" }, function(tm)
  local w = rawget(tm, "when")
  if w == nil then return None end
  return w / 1000
end)
aio.method(Timeout, "reschedule", { "self", "when" }, function(tm, when)
  if nn(when) == nil then timeout_reschedule(tm, nil) else timeout_reschedule(tm, when * 1000) end
  return None
end)
aio.method(Timeout, "expired", { "self" }, function(tm) return tm.state == "expiring" or tm.state == "expired" end)
Timeout.aio_repr = function(tm)
  return "<Timeout [" .. tm.state .. "]>"
end

---------------------------------------------------------------------------
-- loop access for the asyncio module
---------------------------------------------------------------------------
function aio.current_task() return current end
function aio.all_tasks()
  local s = aio.new_map(aio.Set)
  for t in pairs(live_tasks) do aio.set_add(s, t) end
  return s
end
function aio.loop_time() return now_ms() / 1000 end
function aio.loop_run_until(f)
  -- run_until_complete inside a running task simply awaits
  return await_future(f)
end

---------------------------------------------------------------------------
-- builtins
---------------------------------------------------------------------------
local function builtin(name, spec, fn)
  spec.name = name
  spec.builtin = true
  B[name] = aio.def(fn, name, spec)
  aio["builtin_" .. name] = B[name]
end

builtin("sleep", { params = { "delay", "result" } }, function(delay, result)
  if delay == nil then aio.missing("sleep", "delay") end
  return aio.coroutine(function() return sleep(delay, result, nil) end, "sleep")
end)
-- `await sleep(d)` (aio.acallN) calls the scheduler directly: no coroutine object.
set_fixed(B.sleep, sleep)

builtin("spawn", { params = { "coro" }, kwonly = { "name" } }, function(coro, name)
  return create_task(coro, name)
end)

builtin("gather", { params = {}, vararg = true, kwonly = { "return_exceptions" } }, function(...)
  -- (not aio.varargs: select() per argument is quadratic for gather(*many))
  local n = select("#", ...)
  local args = { ... }
  local re
  local last = args[n]
  if n > 0 and type(last) == "table" and getmetatable(last) == aio.KwMarker then
    re = last.return_exceptions
    args[n] = nil
    n = n - 1
  end
  return gather(args, n, re ~= nil and aio.truthy(re))
end)

builtin("wait_for", { params = { "fut", "timeout" } }, function(fut, timeout)
  if fut == nil then aio.missing("wait_for", "fut") end
  if timeout == nil then aio.missing("wait_for", "timeout") end
  return aio.coroutine(function() return wait_for(fut, timeout) end, "wait_for")
end)

builtin("timeout", { params = { "delay" } }, function(delay)
  if delay == nil then aio.missing("timeout", "delay") end
  return timeout_in(delay)
end)

builtin("aiter", { params = { "async_iterable" } }, function(x)
  local m = lookup(typeof(x), "__aiter__")
  if not m then throw(TypeError, "'" .. tname(x) .. "' object is not an async iterable") end
  return m(x)
end)

builtin("anext", { params = { "aiterator", "default" } }, function(it, dflt)
  local m = lookup(typeof(it), "__anext__")
  if not m then throw(TypeError, "'" .. tname(it) .. "' object is not an async iterator") end
  if dflt == nil then return m(it) end
  return aio.coroutine(function()
    local ok, v = pcall(function() return aio.await(m(it)) end)
    if ok then return v end
    local e = aio.exc(v)
    if isinst(e, StopAsyncIteration) then return dflt end
    error(e, 0)
  end, "anext")
end)
