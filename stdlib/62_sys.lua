-- 62_sys.lua - the built-in `sys` module: argv, exit (raises SystemExit,
-- which aio.run_main turns into the exit status), the standard streams,
-- platform, version, path (the import search path, see 60_import) and
-- modules (a snapshot dict of the loaded modules).
local aio = ...

local function build()
  local m = {}
  local function fn(name, params, f)
    m[name] = aio.def(f, name, { name = name, params = params, builtin = true })
  end
  local argv, n = {}, 0
  for i = 1, #aio.argv do
    argv[n] = aio.argv[i]
    n = n + 1
  end
  m.argv = aio.list(argv)
  fn("exit", { "status" }, function(status)
    if status == nil then aio.raise(aio.SystemExit()) end
    aio.raise(aio.SystemExit(status))
  end)
  m.stdout = aio.stdout_file
  m.stderr = aio.stderr_file
  m.__stdout__, m.__stderr__ = aio.stdout_file, aio.stderr_file
  m.platform = aio.native.os_platform()
  m.version = aio.version or "0.1.0"
  m.path = aio.sys_path()
  m.maxsize = math.maxinteger
  m.byteorder = "little"
  local mods = aio.dict({})
  for k, v in pairs(aio.modules) do aio.dict_set(mods, k, v) end
  aio.dict_set(mods, "sys", m)
  aio.sys_modules = mods   -- 60_import adds modules loaded later
  m.modules = mods
  fn("getrecursionlimit", {}, function() return 1000 end)
  -- the exception being handled by an except clause of this task (40_call)
  fn("exc_info", {}, function()
    local e = aio.handled_exception()
    if e == nil then return aio.tuple({ [0] = aio.None, aio.None, aio.None }) end
    return aio.tuple({ [0] = getmetatable(e), e, aio.traceback_of(e) })
  end)
  fn("exception", {}, function() return aio.handled_exception() or aio.None end)
  return m
end

aio.builtin_modules.sys = build
