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
for _, cls in ipairs(aio.exc_order) do aio.class_done(cls) end
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
        if spec then name = short(spec.name or "?") end
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

-- A generator's coroutine failed: remember its frames (innermost part).
function aio.tb_add_coroutine(e, co, name)
  if type(e) ~= "table" or rawget(e, "aio_tb") then return end
  local inner = capture(co, 0, name)
  local prev = rawget(e, "aio_inner")
  if prev then for i = 1, #prev do inner[#inner + 1] = prev[i] end end
  rawset(e, "aio_inner", inner)
end

local function finish_tb(e, frames)
  if rawget(e, "aio_drop_frame") and #frames > 1 then
    frames[#frames] = nil
    rawset(e, "aio_drop_frame", nil)
  end
  local inner = rawget(e, "aio_inner")
  if inner then
    for i = 1, #inner do frames[#frames + 1] = inner[i] end
    rawset(e, "aio_inner", nil)
  end
  rawset(e, "aio_tb", frames)
end

-- Message handler for xpcall: converts the error and records its traceback.
local function traceback_handler(err)
  local ok, e = pcall(aio.exc, err)
  if not ok then e = err end
  if type(e) == "table" and rawget(e, "aio_tb") == nil then
    local ok2, frames = pcall(capture, nil, 2)
    if ok2 then finish_tb(e, frames) end
  end
  return e
end
aio.traceback_handler = traceback_handler

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

local function format_tb(e, out)
  local frames = rawget(e, "aio_tb") or {}
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
  local ok, e = xpcall(fn, traceback_handler, aio)
  if ok then return 0 end
  io.stdout:flush()
  if type(e) ~= "table" or not aio.is_exc(e) then
    io.stderr:write("aio: internal error: " .. tostring(e) .. "\n")
    return 1
  end
  if aio.isinst(e, aio.SystemExit) then
    local args = rawget(e, "args")
    local code = args and rawget(args, 0)
    if code == nil or code == None then return 0 end
    if math.type(code) == "integer" then return code & 0xFF end
    if type(code) == "boolean" then return code and 1 or 0 end
    io.stderr:write(aio.str(code) .. "\n")
    return 1
  end
  local ok2, text = pcall(aio.format_exception, e)
  if not ok2 then text = "Traceback: <failed to format: " .. tostring(text) .. ">\n" .. exc_line(e) .. "\n" end
  io.stderr:write(text)
  io.stderr:flush()
  return 1
end
