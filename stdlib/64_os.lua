-- 64_os.lua - the built-in `os` and `os.path` modules over the natives of
-- stdlib/os_native.c, and OSError's errno/strerror/filename: failures raise
-- the errno's OSError subclass with Python's text, e.g.
-- FileNotFoundError: [Errno 2] No such file or directory: 'x'.
local aio = ...

local type, rawget, rawset, rawequal, select = type, rawget, rawset, rawequal, select
local sfind, ssub, smatch, sgmatch = string.find, string.sub, string.match, string.gmatch
local concat = table.concat
local None, throw, native = aio.None, aio.throw, aio.native

---------------------------------------------------------------------------
-- OSError(errno, strerror[, filename])
---------------------------------------------------------------------------
local OSError = aio.OSError
local base_init = aio.BaseException.__init__
OSError.__init__ = aio.def(function(self, ...)
  local n = select("#", ...)
  local a1, a2, a3 = ...
  if n >= 2 and n <= 5 then
    self.errno, self.strerror = a1, a2
    self.filename = n >= 3 and a3 or None
    base_init(self, a1, a2)
  else
    self.errno, self.strerror, self.filename = None, None, None
    base_init(self, ...)
  end
  return None
end, "OSError.__init__", { name = "OSError.__init__", params = { "self" }, vararg = true })

local base_str = aio.BaseException.aio_str
OSError.aio_str = function(e)
  local errno, strerror = rawget(e, "errno"), rawget(e, "strerror")
  if errno == nil or errno == None or strerror == nil then return base_str(e) end
  local s = "[Errno " .. aio.str(errno) .. "] " .. aio.str(strerror)
  local f = rawget(e, "filename")
  if f ~= nil and f ~= None then s = s .. ": " .. aio.repr(f) end
  return s
end

local by_errno = {
  [1] = aio.PermissionError, [2] = aio.FileNotFoundError, [13] = aio.PermissionError,
  [17] = aio.FileExistsError, [20] = aio.NotADirectoryError, [21] = aio.IsADirectoryError,
}

-- Raises the OSError subclass for errno (native failure values).
local function oserror(errno, strerror, filename)
  local cls = by_errno[errno] or OSError
  aio.raise(cls(errno, strerror, filename))
end
aio.oserror = oserror

-- Calls a native; on failure raises with the given filename.
local function check(filename, v, errno, strerror)
  if v == nil then oserror(errno, strerror, filename) end
  return v
end

local function fspath(p, fname)
  if type(p) ~= "string" then
    throw(aio.TypeError, (fname and fname .. ": " or "") .. "expected str, bytes or os.PathLike object, not " .. aio.tname(p))
  end
  return p
end

---------------------------------------------------------------------------
-- os.path (posixpath)
---------------------------------------------------------------------------
local function split(p)
  local i = #p
  while i > 0 and ssub(p, i, i) ~= "/" do i = i - 1 end
  local head, tail = ssub(p, 1, i), ssub(p, i + 1)
  if head ~= "" and not sfind(head, "^/+$") then head = (smatch(head, "^(.-)/*$")) end
  return head, tail
end

local function normpath(p)
  if p == "" then return "." end
  local initial = 0
  if ssub(p, 1, 1) == "/" then
    initial = 1
    if ssub(p, 1, 2) == "//" and ssub(p, 3, 3) ~= "/" then initial = 2 end
  end
  local out = {}
  for comp in sgmatch(p, "[^/]+") do
    if comp ~= "." then
      if comp ~= ".." or (initial == 0 and #out == 0) or (#out > 0 and out[#out] == "..") then
        out[#out + 1] = comp
      elseif #out > 0 then
        out[#out] = nil
      end
    end
  end
  local s = string.rep("/", initial) .. concat(out, "/")
  if s == "" then return "." end
  return s
end

local function join(a, ...)
  local path = fspath(a, "join() argument")
  for i = 1, select("#", ...) do
    local b = fspath((select(i, ...)), "join() argument")
    if ssub(b, 1, 1) == "/" then path = b
    elseif path == "" or ssub(path, -1) == "/" then path = path .. b
    else path = path .. "/" .. b end
  end
  return path
end

local function splitext(p)
  local sep = 0
  for i = #p, 1, -1 do if ssub(p, i, i) == "/" then sep = i break end end
  local dot = 0
  for i = #p, sep + 1, -1 do if ssub(p, i, i) == "." then dot = i break end end
  if dot > sep then
    for i = sep + 1, dot - 1 do
      if ssub(p, i, i) ~= "." then return ssub(p, 1, dot - 1), ssub(p, dot) end
    end
  end
  return p, ""
end

local function kind_of(p)
  if type(p) ~= "string" then return nil end
  return (native.os_kind(p))
end

-- `os.path.join(a, b)` and `path.split(p)` (a from-imported module) are
-- compiled as method calls when the name is also a str method (o:join(...)),
-- which passes the module first: drop it.
local function self_shim(m, f)
  return function(first, ...)
    if rawequal(first, m) then return f(...) end
    return f(first, ...)
  end
end

local function build_path()
  local m = { sep = "/", curdir = ".", pardir = "..", extsep = "." }
  local function fn(name, params, f, extra)
    local spec = { name = name, params = params, builtin = true }
    if extra then for k, v in pairs(extra) do spec[k] = v end end
    m[name] = aio.def(self_shim(m, f), name, spec)
  end
  fn("join", { "a" }, join, { vararg = true })
  fn("exists", { "path" }, function(p) return kind_of(p) ~= nil end)
  fn("isfile", { "path" }, function(p) return kind_of(p) == "file" end)
  fn("isdir", { "path" }, function(p) return kind_of(p) == "dir" end)
  fn("isabs", { "s" }, function(p) return ssub(fspath(p), 1, 1) == "/" end)
  fn("basename", { "p" }, function(p) local _, t = split(fspath(p)) return t end)
  fn("dirname", { "p" }, function(p) return (split(fspath(p))) end)
  fn("split", { "p" }, function(p)
    local h, t = split(fspath(p))
    return aio.tuple({ [0] = h, t })
  end)
  fn("splitext", { "p" }, function(p)
    local r, e = splitext(fspath(p))
    return aio.tuple({ [0] = r, e })
  end)
  fn("normpath", { "path" }, function(p) return normpath(fspath(p)) end)
  fn("abspath", { "path" }, function(p)
    p = fspath(p)
    if ssub(p, 1, 1) ~= "/" then p = join(check(nil, native.os_getcwd()), p) end
    return normpath(p)
  end)
  fn("getsize", { "filename" }, function(p)
    return check(p, native.os_stat(fspath(p))).size
  end)
  fn("getmtime", { "filename" }, function(p)
    return check(p, native.os_stat(fspath(p))).mtime
  end)
  return m
end

aio.builtin_modules["os.path"] = build_path

---------------------------------------------------------------------------
-- os
---------------------------------------------------------------------------
local function build_os()
  local m = { sep = "/", name = "posix", linesep = "\n", curdir = ".", pardir = "..", extsep = ".",
              pathsep = ":", devnull = "/dev/null" }
  local function fn(name, params, f, extra)
    local spec = { name = name, params = params, builtin = true }
    if extra then for k, v in pairs(extra) do spec[k] = v end end
    m[name] = aio.def(self_shim(m, f), name, spec)
  end
  m.path = aio.load_builtin("os.path")
  m.error = OSError
  fn("getenv", { "key", "default" }, function(key, default)
    if type(key) ~= "string" then throw(aio.TypeError, "str expected, not " .. aio.tname(key)) end
    local v = native.os_getenv(key)
    if v == nil then if default == nil then return None end return default end
    return v
  end)
  local env = native.os_environ()
  local flat = {}
  for i = 1, #env do flat[i] = env[i] end
  m.environ = aio.dict(flat)
  fn("getcwd", {}, function() return check(nil, native.os_getcwd()) end)
  fn("getpid", {}, function() return native.os_getpid() end)
  fn("listdir", { "path" }, function(p)
    if p == nil or p == None then p = "." end
    local names = check(fspath(p, "listdir"), native.os_listdir(fspath(p, "listdir")))
    local t = {}
    for i = 1, #names do t[i - 1] = names[i] end
    return aio.list(t)
  end)
  local function path_op(name, native_fn)
    fn(name, { "path" }, function(p)
      check(fspath(p, name), native_fn(fspath(p, name)))
      return None
    end)
  end
  path_op("remove", native.os_remove)
  path_op("unlink", native.os_remove)
  path_op("rmdir", native.os_rmdir)
  fn("mkdir", { "path", "mode" }, function(p, mode)
    check(fspath(p, "mkdir"), native.os_mkdir(fspath(p, "mkdir"), mode ~= nil and mode ~= None and mode or 511))
    return None
  end)
  fn("rename", { "src", "dst" }, function(a, b)
    check(fspath(a, "rename"), native.os_rename(fspath(a, "rename"), fspath(b, "rename")))
    return None
  end)
  return m
end

aio.builtin_modules.os = build_os
