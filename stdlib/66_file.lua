-- 66_file.lua - open() and file objects: text files read and write str,
-- binary files ('b' in the mode) bytes. Built on Lua's io library; errors
-- become Python's OSError subclasses with errno and the file name.
local aio = ...

local None, throw, TypeError, ValueError = aio.None, aio.throw, aio.TypeError, aio.ValueError
local tname, str = aio.tname, aio.str
local method, File = aio.method, aio.File
local sgsub, sfind, ssub = string.gsub, string.find, string.sub

local function nn(v) if v == nil or rawequal(v, None) then return nil end return v end

-- Python's mode letters -> Lua's io.open modes.
local lua_modes = { r = "r", w = "w", a = "a", x = "w", ["r+"] = "r+", ["w+"] = "w+", ["a+"] = "a+" }

-- Fields are read raw: File.__index raises AttributeError for misses.
local function H(f) return rawget(f, "h") end

local function check_open(f)
  if H(f) == nil then throw(ValueError, "I/O operation on closed file.") end
  return f.h
end

local function wrap(f, s)
  if rawget(f, "binary") then return aio.bytes(s) end
  return s
end

local function open(file, mode, buffering, encoding)
  mode = nn(mode) or "r"
  if type(file) ~= "string" then
    throw(TypeError, "expected str, bytes or os.PathLike object, not " .. tname(file))
  end
  if type(mode) ~= "string" then throw(TypeError, "open() argument 'mode' must be str, not " .. tname(mode)) end
  local binary = sfind(mode, "b", 1, true) ~= nil
  local base = sgsub(sgsub(mode, "[bt]", ""), "%+", "") .. (sfind(mode, "+", 1, true) and "+" or "")
  local lmode = lua_modes[base]
  if lmode == nil then throw(ValueError, "invalid mode: '" .. mode .. "'") end
  if ssub(base, 1, 1) == "x" then
    local probe = io.open(file, "r")
    if probe then
      probe:close()
      aio.oserror(17, "File exists", file)
    end
  end
  local h, msg, errno = io.open(file, lmode .. "b")
  if h == nil then
    -- Lua's message is "<file>: <strerror>"
    local strerror = sgsub(msg or "", "^.-: ", "", 1)
    aio.oserror(errno or 5, strerror, file)
  end
  return setmetatable({ h = h, fname = file, fmode = mode, binary = binary }, File)
end
aio.def(open, "open", { name = "open", params = { "file", "mode", "buffering", "encoding" } })
aio.builtins.open = open

method(File, "read", { "self", "size" }, function(f, size)
  if H(f) == nil and rawget(f, "binary") then throw(ValueError, "read of closed file") end
  local h = check_open(f)
  size = nn(size)
  local s
  if size == nil or size < 0 then s = h:read("a") else s = h:read(size) or "" end
  return wrap(f, s or "")
end)

method(File, "readline", { "self" }, function(f)
  local h = check_open(f)
  return wrap(f, h:read("L") or "")
end)

method(File, "readlines", { "self" }, function(f)
  local h = check_open(f)
  local out, n = {}, 0
  for line in h:lines("L") do
    out[n] = wrap(f, line)
    n = n + 1
  end
  return aio.list(out)
end)

-- write() on the standard streams stays the one in 50_builtins.lua.
local write_text = File.write
method(File, "write", { "self", "s" }, function(f, s)
  if rawget(f, "binary") then
    local v = aio.bytes_value(s)
    if v == nil then throw(TypeError, "a bytes-like object is required, not '" .. tname(s) .. "'") end
    check_open(f):write(v)
    return #v
  end
  if H(f) == io.stdout or H(f) == io.stderr then return write_text(f, s) end
  if type(s) ~= "string" then throw(TypeError, "write() argument must be str, not " .. tname(s)) end
  check_open(f):write(s)
  return #s
end)

method(File, "writelines", { "self", "lines" }, function(f, lines)
  for line in aio.iter(lines) do aio.callm(f, "write", line) end
  return None
end)

method(File, "close", { "self" }, function(f)
  local h = H(f)
  if h ~= nil and h ~= io.stdout and h ~= io.stderr then
    h:close()
    rawset(f, "h", nil)
  end
  return None
end)

method(File, "__enter__", { "self" }, function(f) check_open(f) return f end)
method(File, "__exit__", { "self", "t", "v", "tb" }, function(f)
  aio.callm(f, "close")
  return false
end)

-- Iterating a file yields its lines, newline included.
File.aio_iter = function(f)
  local h = check_open(f)
  local it = h:lines("L")
  return function()
    local line = it()
    if line == nil then return nil end
    return wrap(f, line)
  end
end

-- Read-only attributes, as properties so attribute lookup finds them.
local function prop(name, get)
  File[name] = setmetatable({ fget = aio.def(get, name, { name = name, params = { "self" } }) }, aio.Property)
end
prop("closed", function(f) return H(f) == nil end)
prop("name", function(f) return rawget(f, "fname") or rawget(f, "name") end)
prop("mode", function(f) return rawget(f, "fmode") or (H(f) == io.stdin and "r" or "w") end)

local base_repr = File.aio_repr
File.aio_repr = function(f)
  local name, mode = rawget(f, "fname"), rawget(f, "fmode")
  if mode == nil then return base_repr(f) end
  if rawget(f, "binary") then return "<_io.BufferedReader name='" .. name .. "'>" end
  return "<_io.TextIOWrapper name='" .. name .. "' mode='" .. mode .. "' encoding='UTF-8'>"
end
