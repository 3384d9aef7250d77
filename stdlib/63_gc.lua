-- 63_gc.lua - the built-in `gc` module: collect(), enable()/disable()/
-- isenabled() over Lua's collector, and MicroPython's mem_alloc() (bytes the
-- VM's heap holds now), so a program can check that its memory stays flat.
local aio = ...

local function build()
  local m = aio.new_module("gc")
  local function fn(name, params, f)
    m[name] = aio.def(f, name, { name = name, params = params, builtin = true })
  end
  -- Python returns the number of unreachable objects found; Lua cannot count
  -- them, so this is always 0.
  fn("collect", { "generation" }, function()
    collectgarbage("collect")
    return 0
  end)
  fn("enable", {}, function()
    collectgarbage("restart")
    return aio.None
  end)
  fn("disable", {}, function()
    collectgarbage("stop")
    return aio.None
  end)
  fn("isenabled", {}, function() return collectgarbage("isrunning") end)
  fn("mem_alloc", {}, function()
    return math.floor(collectgarbage("count") * 1024)
  end)
  return m
end

aio.builtin_modules.gc = build
