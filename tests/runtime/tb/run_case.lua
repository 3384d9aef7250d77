-- run_case.lua CASE.lua - runs one traceback case the way the host does:
-- the case file returns {source = <aio text>, lua = <emitted Lua>, name = "x.aio"}.
local root = os.getenv("AIO_ROOT") or "."
package.path = root .. "/tests/runtime/?.lua;" .. package.path
local H = require("harness")
local aio = H.aio
local case = dofile(arg[1])
aio.sources["@" .. case.name] = case.source
local fn = assert(load(case.lua, "@" .. case.name, "t"))
debug.setupvalue(fn, 1, aio.new_module("__main__"))
local status = aio.run_main(fn)
io.stdout:flush()
os.exit(status)
