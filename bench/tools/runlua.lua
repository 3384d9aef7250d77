-- bench/tools/runlua.lua: runs Lua text shaped like aio's emitted code (for
-- example `aio --emit-lua x.aio`, edited by hand) on the real aio runtime,
-- using plain lua5.4 the way the aio host does: load stdlib/*.lua in order
-- into the runtime table, make a __main__ module table the chunk's _ENV,
-- and run it through aio.run_main. Used to measure what a change to the
-- emitter or the runtime would gain before writing it.
--
-- Usage (from the repository root): lua5.4 bench/tools/runlua.lua [-s STDLIB_DIR] FILE.lua [SOURCE.aio] [args...]
local stdlib = "stdlib"
local i = 1
if arg[1] == "-s" then stdlib, i = arg[2], 3 end
local file, source = arg[i], arg[i + 1]
if not file then
  io.stderr:write("usage: lua5.4 bench/tools/runlua.lua [-s STDLIB_DIR] FILE.lua [SOURCE.aio] [args...]\n")
  os.exit(2)
end

local function slurp(path)
  local h = assert(io.open(path, "rb"))
  local s = h:read("a")
  h:close()
  return s
end

-- The runtime replaces the string metatable, so no s:method() calls below.
local smatch = string.match
local aio = { sources = {}, argv = {} }
-- The host's C helpers are absent under plain lua5.4: stub them (the loop
-- has nothing pending; errors go to stderr; every other native does nothing).
local native_stubs = {
  loop_now = function() return os.clock() * 1000 end,
  loop_wait = function() end,
  loop_alive = function() return false end,
  write_error = function(...) io.stderr:write(...) end,
}
aio.native = setmetatable({}, { __index = function(_, k) return native_stubs[k] or function() end end })
for j = i + 1, #arg do aio.argv[#aio.argv + 1] = arg[j] end

local names = {}
for name in io.popen('ls "' .. stdlib .. '"/*.lua'):lines() do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
  local fn = assert(load(slurp(name), "=[aio runtime " .. smatch(name, "[^/]+$") .. "]", "t"))
  fn(aio)
end

-- Phase timing for experiments: put `aio.bench_phase("name")` into the Lua;
-- it prints the CPU seconds since the previous phase to stderr.
local clock, last = os.clock, os.clock()
function aio.bench_phase(name)
  local now = clock()
  io.stderr:write(string.format("phase %-12s %.3f s\n", name, now - last))
  last = clock()
end

-- Lua's own type/getmetatable (the module's globals see aio builtins instead).
aio.bench_type, aio.bench_getmetatable = type, getmetatable

local chunkname = "@" .. (source or file)
if source then aio.sources[chunkname] = slurp(source) end
local main = assert(load(slurp(file), chunkname, "t", aio.new_module("__main__")))
local status = aio.run_main(main)
io.stdout:flush()
os.exit(status, false)   -- skip lua_close: freeing every object costs time
