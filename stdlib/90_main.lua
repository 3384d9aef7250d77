-- 90_main.lua - host entry points: module tables (globals falling back to
-- builtins, NameError), run_main, and Python-style tracebacks built from the
-- Lua stack (only frames of compiled .aio chunks; names from aio.def).
local aio = ...

local rawget, rawset, getmetatable, setmetatable, type, tostring, xpcall, pcall =
  rawget, rawset, getmetatable, setmetatable, type, tostring, xpcall, pcall
local getinfo = debug.getinfo
local sgsub, smatch, sfind, ssub = string.gsub, string.match, string.find, string.sub
local concat = table.concat
local None = aio.None
local B = aio.builtins
local throw, funcs = aio.throw, aio.funcs
local Module = aio.Module

aio.sources = aio.sources or {}

-- The exception classes get their inherited methods now that all exist.
-- (Also run for the classes of files loaded lazily, from their first entry.)
local base_init = aio.BaseException.__init__
function aio.finish_exc_classes(first)
  local order = aio.exc_order
  for i = first, #order do
    local cls = order[i]
    aio.class_done(cls)
    if rawget(cls, "__init__") == base_init and rawget(cls, "aio_new") == nil then
      rawset(cls, "aio_new", aio.exc_new)   -- perf: E(msg) without calling __init__
    end
  end
end
aio.finish_exc_classes(1)
aio.argv = aio.argv or {}

---------------------------------------------------------------------------
-- modules
---------------------------------------------------------------------------
setmetatable(B, {
  __index = function(_, k)
    throw(aio.NameError, "name '" .. tostring(k) .. "' is not defined")
  end,
})
Module.__index = B
Module.aio_repr = function(m) return "<module '" .. tostring(rawget(m, "__name__")) .. "'>" end

function aio.new_module(name)
  return setmetatable({ __name__ = name }, Module)
end

---------------------------------------------------------------------------
-- tracebacks
---------------------------------------------------------------------------
local function short(name) return smatch(name, "([^%.]+)$") or name end

-- Frames of the current thread (or of a coroutine), outermost first:
-- {src=, line=, name=}. Unregistered functions in an aio chunk (comprehension
-- bodies, try bodies) are folded into the enclosing function's frame.
-- Depth of a thread's stack (getinfo(level) costs O(level), so search).
local function stack_depth(thread, level)
  local function exists(l)
    if thread then return getinfo(thread, l, "l") ~= nil end
    return getinfo(l, "l") ~= nil
  end
  local hi = level + 64
  while exists(hi) do hi = hi * 2 end
  local lo = level
  while lo + 1 < hi do
    local mid = (lo + hi) // 2
    if exists(mid) then lo = mid else hi = mid end
  end
  return lo
end

local KEEP = 120   -- frames kept at each end of a very deep stack

local function capture(thread, level, default_name)
  local sources = aio.sources
  local frames = {}
  local pending, pending_src
  local depth = stack_depth(thread, level)
  local skip_from, skip_to = depth + 1, depth
  if depth - level > 2 * KEEP then
    skip_from, skip_to = level + KEEP, depth - KEEP
  end
  local lvl = level
  while lvl <= depth do
    if lvl == skip_from then
      frames[#frames + 1] = { skip = 0 }
      local marker = frames[#frames]
      -- count the aio frames we skip without reading each (assume 1 per level)
      marker.skip = skip_to - skip_from + 1
      lvl = skip_to + 1
    end
    local info
    if thread then info = getinfo(thread, lvl, "Slf") else info = getinfo(lvl, "Slf") end
    if not info then break end
    local src = info.source
    if sources[src] then
      local name
      if info.what == "main" then name = "<module>"
      else
        local spec = funcs[info.func]
        if spec then name = short(spec.name or "?")
        elseif aio.tb_frame_name then name = aio.tb_frame_name(thread, lvl) end  -- async def bodies
      end
      if name then
        frames[#frames + 1] = { src = src, line = pending or info.currentline, name = name }
        pending = nil
      elseif pending == nil then
        pending, pending_src = info.currentline, src
      end
    end
    lvl = lvl + 1
  end
  if pending then
    frames[#frames + 1] = { src = pending_src, line = pending, name = default_name or "<module>" }
  end
  local out = {}
  for i = #frames, 1, -1 do out[#out + 1] = frames[i] end
  return out
end
aio.tb_capture = capture

-- How tracebacks are recorded (cheaply, so that raise+catch stays fast):
-- every try/with/finally runs its body under xpcall with traceback_handler,
-- which walks only from the raise point out to that xpcall and on to the
-- function holding the try (the "anchor", whose line is the one in the try
-- body). Those frames, outermost first, go to e.aio_inner with
-- e.aio_anchor = true. When e is re-raised from the anchor (no clause
-- matched, after finally/__exit__) and recorded again, the new walk ends in
-- that same activation, so its innermost frame is replaced by aio_inner's
-- first. A walk that finds no anchor (run_main, a task's top) is complete:
-- the result goes to e.aio_tb and nothing more is recorded. aio_inner
-- without aio_anchor (a generator's or task's frames) is simply appended.

-- Merges newly walked frames (outermost first) into e's record.
local function record(e, frames, anchored, complete)
  if rawget(e, "aio_drop_frame") then
    if #frames > 1 or (complete and #frames > 0) then frames[#frames] = nil end
    rawset(e, "aio_drop_frame", nil)
  end
  local inner = rawget(e, "aio_inner")
  if inner then
    if rawget(e, "aio_anchor") and #frames > 0 then frames[#frames] = nil end
    for i = 1, #inner do frames[#frames + 1] = inner[i] end
  end
  if complete then
    rawset(e, "aio_inner", nil)
    rawset(e, "aio_anchor", nil)
    rawset(e, "aio_tb", frames)
  else
    rawset(e, "aio_inner", frames)
    rawset(e, "aio_anchor", anchored or nil)
  end
end

-- A generator's coroutine failed: its frames become the inner part.
function aio.tb_add_coroutine(e, co, name)
  if type(e) ~= "table" or rawget(e, "aio_tb") then return end
  local frames = capture(co, 0, name)
  record(e, frames, false, false)
  rawset(e, "aio_anchor", nil)
end

local WALK = 200   -- a longer walk falls back to capture() (deep stacks)

-- Walks the running thread from `level` out to the first pcall/xpcall and
-- on to the next aio frame (the anchor). Returns frames outermost first and
-- whether an anchor was found, or nil when the stack is too deep.
-- Per-function facts for the walk: {src=, main=} for aio code, false for
-- anything else. getinfo(level, "fl") is cheap; "S" is not, so it is asked
-- once per function.
local fninfo = setmetatable({}, { __mode = "k" })
local function fn_facts(f)
  local si = fninfo[f]
  if si == nil then
    local s = getinfo(f, "S")
    si = s and aio.sources[s.source] and { src = s.source, main = s.what == "main" } or false
    fninfo[f] = si
  end
  return si
end

local aio_try = aio.try   -- a try's xpcall (stdlib/exc_native.c)
local function capture_near(level)
  local rev = {}
  local pending, pending_src
  local crossed = false
  for lvl = level, level + WALK do
    local info = getinfo(lvl, "fl")
    if not info then break end
    local f = info.func
    if f == xpcall or f == pcall or f == aio_try then
      crossed = true
    else
      local si = fn_facts(f)
      if si then
        local name
        if si.main then name = "<module>"
        else
          local spec = funcs[f]
          if spec then name = short(spec.name or "?") end
        end
        if name then
          rev[#rev + 1] = { src = si.src, line = pending or info.currentline, name = name }
          pending = nil
          if crossed then
            local out = {}
            for i = #rev, 1, -1 do out[#out + 1] = rev[i] end
            return out, true
          end
        elseif pending == nil then
          pending, pending_src = info.currentline, si.src
        end
      end
    end
    if lvl == level + WALK then return nil end
  end
  if pending then rev[#rev + 1] = { src = pending_src, line = pending, name = "<module>" } end
  local out = {}
  for i = #rev, 1, -1 do out[#out + 1] = rev[i] end
  return out, false
end

-- Records e's traceback; `level` is the raising function's level as seen
-- from here.
local function record_here(e, level)
  -- seen from capture_near: 1 itself, 2 pcall, 3 record_here
  local okc, frames, anchored = pcall(capture_near, level + 2)
  if okc and frames then
    record(e, frames, anchored, not anchored)
  elseif okc then
    local okf, all = pcall(capture, nil, level + 2)
    if okf then record(e, all, false, true) end
  end
end

-- Message handler for xpcall: converts the error and records its traceback.
local function traceback_handler(err)
  local ok, e = pcall(aio.exc, err)
  if not ok then e = err end
  -- levels: 1 record_here, 2 this handler, 3 the raising function
  if type(e) == "table" and rawget(e, "aio_tb") == nil then record_here(e, 3) end
  return e
end
aio.traceback_handler = traceback_handler

-- Message handler of a try whose except clauses cannot re-raise: an
-- exception one of the clauses (T...) will catch needs no traceback.
local match = aio.match
local is_exc, issub, Type = aio.is_exc, aio.issub, aio.Type
local tb_unless_slow
function aio.tb_unless(err, T1, ...)
  -- perf: the first clause names the exception's own class
  if getmetatable(err) == T1 and type(err) == "table" then return err end
  return tb_unless_slow(err, T1, ...)
end
tb_unless_slow = function(err, ...)
  local e = err
  if not is_exc(err) then
    local ok
    ok, e = pcall(aio.exc, err)
    if not ok then return err end
  end
  local ecls = getmetatable(e)
  for i = 1, select("#", ...) do
    local T = (select(i, ...))
    if getmetatable(T) == Type then
      if issub(ecls, T) then return e end
    else
      local okm, m = pcall(match, e, T)
      if okm and m then return e end
    end
  end
  -- levels: 1 record_here, 2 this function, 3 the emitted handler, 4 the raiser
  if type(e) == "table" and rawget(e, "aio_tb") == nil then record_here(e, 4) end
  return e
end

-- perf: the message handler of a try whose except types are all builtin
-- classes is a C closure (stdlib/exc_native.c): aio.catch(T1, ..., Tn), or
-- for one class aio.catchers[T] (made once per class)
aio.catch = aio.native.make_catch(tb_unless_slow)
aio.catchers = setmetatable({}, { __index = function(t, cls)
  local h = aio.catch(cls)
  rawset(t, cls, h)
  return h
end })

local line_cache = {}
local function source_line(src, n)
  local lines = line_cache[src]
  if not lines then
    lines = {}
    local text = aio.sources[src] or ""
    for l in string.gmatch(text .. "\n", "([^\n]*)\n") do lines[#lines + 1] = l end
    line_cache[src] = lines
  end
  local l = lines[n]
  if not l then return nil end
  l = sgsub(sgsub(l, "^%s+", ""), "%s+$", "")
  if l == "" then return nil end
  return l
end

local function exc_line(e)
  local cls = getmetatable(e)
  local name = rawget(cls, "__qualname__") or rawget(cls, "__name__") or "Exception"
  local mod = rawget(cls, "__module__")
  if mod and mod ~= "builtins" and mod ~= "__main__" then name = mod .. "." .. name end
  local ok, msg = pcall(aio.str, e)
  if not ok then msg = "<exception str() failed>" end
  if msg == "" then return name end
  return name .. ": " .. msg
end

function aio.format_exception_line(e) return exc_line(e) .. "\n" end

local function format_tb(e, out)
  -- a chained (caught) exception shows the frames from where it was caught
  local frames = rawget(e, "aio_tb") or rawget(e, "aio_inner") or {}
  if #frames > 0 then
    out[#out + 1] = "Traceback (most recent call last):\n"
    local last, repeats = nil, 0
    local function flush_repeats()
      if repeats > 0 then
        out[#out + 1] = "  [Previous line repeated " .. repeats .. " more time" .. (repeats == 1 and "" or "s") .. "]\n"
      end
      repeats = 0
    end
    local count = 0
    for i = 1, #frames do
      local f = frames[i]
      if f.skip then
        -- frames omitted from a very deep stack: count them as repeats
        repeats = repeats + f.skip
        count = count + f.skip
        goto continue
      end
      local key = f.src .. ":" .. tostring(f.line) .. ":" .. f.name
      if key == last then count = count + 1 else flush_repeats() count = 1 last = key end
      if count > 3 then
        repeats = repeats + 1
      else
        local file = ssub(f.src, 1, 1) == "@" and ssub(f.src, 2) or f.src
        out[#out + 1] = '  File "' .. file .. '", line ' .. tostring(f.line) .. ", in " .. f.name .. "\n"
        local l = source_line(f.src, f.line)
        if l then out[#out + 1] = "    " .. l .. "\n" end
      end
      ::continue::
    end
    flush_repeats()
  end
  out[#out + 1] = exc_line(e) .. "\n"
end

local function format_chain(e, out, seen)
  seen[e] = true
  local cause = rawget(e, "__cause__")
  local ctx = rawget(e, "__context__")
  if type(cause) == "table" and cause ~= None and not seen[cause] and aio.is_exc(cause) then
    format_chain(cause, out, seen)
    out[#out + 1] = "\nThe above exception was the direct cause of the following exception:\n\n"
  elseif type(ctx) == "table" and ctx ~= None and not seen[ctx] and aio.is_exc(ctx) and
         not rawget(e, "__suppress_context__") then
    format_chain(ctx, out, seen)
    out[#out + 1] = "\nDuring handling of the above exception, another exception occurred:\n\n"
  end
  format_tb(e, out)
end

function aio.format_exception(e)
  local out = {}
  format_chain(e, out, {})
  return concat(out)
end

function aio.run_main(fn)
  local ok, e
  if aio.run_main_task then ok, e = aio.run_main_task(fn)   -- the script runs as the main task (80_tasks)
  else ok, e = xpcall(fn, traceback_handler, aio) end
  if ok then return 0 end
  io.stdout:flush()
  if type(e) ~= "table" or not aio.is_exc(e) then
    aio.native.write_error("aio: internal error: " .. tostring(e) .. "\n")
    return 1
  end
  if aio.isinst(e, aio.SystemExit) then
    local args = rawget(e, "args")
    local code = args and rawget(args, 0)
    if code == nil or code == None then return 0 end
    if math.type(code) == "integer" then return code & 0xFF end
    if type(code) == "boolean" then return code and 1 or 0 end
    aio.native.write_error(aio.str(code) .. "\n")
    return 1
  end
  local ok2, text = pcall(aio.format_exception, e)
  if not ok2 then text = "Traceback: <failed to format: " .. tostring(text) .. ">\n" .. exc_line(e) .. "\n" end
  aio.native.write_error(text)
  io.stderr:flush()
  if aio.isinst(e, aio.KeyboardInterrupt) then return 130 end   -- as Python (128 + SIGINT)
  return 1
end

-- End of start-up: the runtime's tables are all live; collect from here on.
collectgarbage("restart")
