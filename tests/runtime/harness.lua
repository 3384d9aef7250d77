-- harness.lua - loads stdlib/*.lua the way the host does (sorted, each chunk
-- called with the shared runtime table) and offers tiny assertion helpers.
local root = os.getenv("AIO_ROOT") or "."
local aio = { sources = {}, argv = {} }
-- The host's C helpers (aio.native.*) are absent under plain lua5.4: the
-- loop reports nothing pending; every other native does nothing.
local stubs = {
  loop_now = function() return os.clock() * 1000 end,
  loop_wait = function() end,
  loop_alive = function() return false end,
  write_error = function(...) io.stderr:write(...) end,
  concat_seq = function(a, b, mt)   -- stdlib/seq_native.c
    local r, na = {}, rawget(a, 0) == nil and 0 or #a + 1
    for i = 0, na - 1 do r[i] = rawget(a, i) end
    for i = 0, (rawget(b, 0) == nil and 0 or #b + 1) - 1 do r[na + i] = rawget(b, i) end
    return setmetatable(r, mt)
  end,
}
aio.native = setmetatable({}, { __index = function(_, k)
  return stubs[k] or function() end
end })
local p = io.popen("ls " .. root .. "/stdlib/*.lua | sort")
for path in p:lines() do
  local f = assert(io.open(path, "rb"))
  local src = f:read("a")
  f:close()
  local name = string.match(path, "([^/]+)$")
  local chunk, err = load(src, "=[aio runtime " .. name .. "]", "t")
  if not chunk then error(err) end
  chunk(aio)
end
p:close()

local H = { aio = aio, passed = 0, failed = 0 }

-- Runs Lua text as if it were a compiled .aio chunk (name "@<name>").
function H.chunk(name, text)
  aio.sources["@" .. name] = text
  local fn, err = load(text, "@" .. name, "t", aio.new_module("__main__"))
  if not fn then error(err) end
  return fn
end

function H.check(name, got, want)
  if got == want then
    H.passed = H.passed + 1
  else
    H.failed = H.failed + 1
    io.stderr:write("FAIL " .. name .. "\n  got:  " .. tostring(got) .. "\n  want: " .. tostring(want) .. "\n")
  end
end

-- Expects fn to raise an aio exception whose "Type: msg" line equals want.
function H.raises(name, want, fn, ...)
  local ok, e = pcall(fn, ...)
  if ok then
    H.failed = H.failed + 1
    io.stderr:write("FAIL " .. name .. ": no error (want " .. want .. ")\n")
    return
  end
  e = aio.exc(e)
  local cls = getmetatable(e)
  local msg = aio.str(e)
  local line = cls.__name__ .. (msg ~= "" and (": " .. msg) or "")
  H.check(name, line, want)
end

function H.done()
  io.stdout:write(H.passed .. " passed, " .. H.failed .. " failed\n")
  os.exit(H.failed == 0 and 0 or 1)
end
return H
