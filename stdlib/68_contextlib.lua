-- 68_contextlib.lua - the built-in `contextlib` module: contextmanager (a
-- generator function as a with-statement context manager), suppress,
-- nullcontext and closing.
local aio = ...

local None = aio.None

local function build()
  local m = aio.new_module("contextlib")
  local throw = aio.throw
  local RuntimeError = aio.RuntimeError

  local function cm_class(name)
    local cls = aio.bclass(name)
    cls.__module__ = "contextlib"
    cls.__index = aio.methods_only_index(cls)
    return cls
  end
  local function method(cls, name, params, fn)
    rawset(cls, name, aio.def(fn, cls.__name__ .. "." .. name, { name = cls.__name__ .. "." .. name, params = params }))
  end

  -- @contextmanager: calling the decorated function makes a context manager
  -- whose __enter__ runs the generator to its yield and whose __exit__
  -- resumes it (or throws the with body's exception in at the yield).
  local GCM = cm_class("_GeneratorContextManager")
  local gen_resume = aio.gen_resume
  local gen_throw = rawget(aio.Generator, "throw")
  method(GCM, "__enter__", { "self" }, function(self)
    local more, v = gen_resume(self.gen)
    if not more then throw(RuntimeError, "generator didn't yield") end
    return v
  end)
  method(GCM, "__exit__", { "self", "typ", "value", "traceback" }, function(self, typ, val)
    if typ == nil or rawequal(typ, None) then
      if gen_resume(self.gen) then throw(RuntimeError, "generator didn't stop") end
      return false
    end
    local ok, r = pcall(gen_throw, self.gen, val)
    if ok then throw(RuntimeError, "generator didn't stop after throw()") end
    local e = aio.exc(r)
    if rawequal(e, val) then return false end            -- re-raised: not suppressed
    if aio.isinst(e, aio.StopIteration) then return true end   -- the generator caught it
    error(e, 0)
  end)
  m.contextmanager = aio.def(function(func)
    local spec = aio.funcs[func]
    local name = spec and spec.name or "contextmanager"
    return aio.def(function(...)
      local args, kw = aio.varargs(...)
      local pos = { n = aio.seqlen(args) }
      for i = 0, pos.n - 1 do pos[i + 1] = rawget(args, i) end
      local kwt
      local kd = rawget(kw, "aio_kwargs")
      if kd and aio.dict_len(kd) > 0 then
        kwt = {}
        for k, v in aio.dict_entries(kd) do kwt[#kwt + 1] = k kwt[k] = v end
      end
      return setmetatable({ gen = aio.call(func, pos, kwt) }, GCM)
    end, name, { name = name, params = {}, vararg = true, kwargs = true })
  end, "contextmanager", { name = "contextmanager", params = { "func" } })

  -- suppress(*exceptions): a with body's exception of those types ends it.
  local Suppress = cm_class("suppress")
  method(Suppress, "__enter__", { "self" }, function() return None end)
  method(Suppress, "__exit__", { "self", "typ", "value", "traceback" }, function(self, typ)
    if typ == nil or rawequal(typ, None) then return false end
    for i = 0, aio.seqlen(self.excs) - 1 do
      if aio.issub(typ, rawget(self.excs, i)) then return true end
    end
    return false
  end)
  m.suppress = aio.def(function(...)
    return setmetatable({ excs = (aio.varargs(...)) }, Suppress)
  end, "suppress", { name = "suppress", params = {}, vararg = true })

  -- nullcontext(enter_result=None)
  local Null = cm_class("nullcontext")
  method(Null, "__enter__", { "self" }, function(self) return self.result end)
  method(Null, "__exit__", { "self", "typ", "value", "traceback" }, function() return false end)
  m.nullcontext = aio.def(function(result)
    if result == nil then result = None end
    return setmetatable({ result = result }, Null)
  end, "nullcontext", { name = "nullcontext", params = { "enter_result" } })

  -- closing(thing): thing.close() when the with statement ends.
  local Closing = cm_class("closing")
  method(Closing, "__enter__", { "self" }, function(self) return self.thing end)
  method(Closing, "__exit__", { "self", "typ", "value", "traceback" }, function(self)
    aio.callm(self.thing, "close")
    return false
  end)
  m.closing = aio.def(function(thing)
    return setmetatable({ thing = thing }, Closing)
  end, "closing", { name = "closing", params = { "thing" } })

  return m
end

aio.builtin_modules.contextlib = build
