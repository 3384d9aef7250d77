-- test_objects.lua - runtime unit tests: calls with keywords, classes,
-- attributes, exceptions, generators, modules.
package.path = (os.getenv("AIO_ROOT") or ".") .. "/tests/runtime/?.lua;" .. package.path
local H = require("harness")
local aio = H.aio
local None, B = aio.None, aio.builtins
local check, raises = H.check, H.raises
local r = aio.repr
local L = function(t) return aio.list(t) end
local T = function(t) return aio.tuple(t) end

-- def / call with keywords (def f(a, b=2, *, c, **kw))
local f = aio.def(function(a, b, c, kw)
  if a == nil then aio.missing("f", "a") end
  if b == nil then b = 2 end
  if c == nil then aio.missing("f", "c", true) end
  if kw == nil then kw = aio.dict({}) end
  return r(T({[0]=a, b, c, kw}))
end, "f", {name="f", params={"a", "b"}, kwonly={"c"}, kwargs=true})
check("call kw", aio.call(f, {n=1, 1}, {c=3}), "(1, 2, 3, {})")
check("call kw2", aio.call(f, {n=0}, {"a", "c", "z", a=1, c=3, z=9}), "(1, 2, 3, {'z': 9})")
raises("call multi", "TypeError: f() got multiple values for argument 'a'", aio.call, f, {n=1, 1}, {a=2, c=1})
raises("call missing", "TypeError: f() missing 1 required positional argument: 'a'", aio.call, f, {n=0}, {c=1})
raises("call missing kw", "TypeError: f() missing 1 required keyword-only argument: 'c'", aio.call, f, {n=1, 1}, {})
local g = aio.def(function(a) return a end, "g", {name="g", params={"a"}})
raises("call unexpected", "TypeError: g() got an unexpected keyword argument 'x'", aio.call, g, {n=0}, {x=1})
raises("call too many", "TypeError: g() takes 1 positional argument but 2 were given", aio.call, g, {n=2, 1, 2}, nil)
-- def h(a, *args, sep="-", **kw)
local h = aio.def(function(a, ...)
  local args, aio_kw = aio.varargs(...)
  local sep = aio_kw.sep
  if sep == nil then sep = "-" end
  local kw = aio_kw.aio_kwargs or aio.dict({})
  return r(T({[0]=a, args, sep, kw}))
end, "h", {name="h", params={"a"}, vararg=true, kwonly={"sep"}, kwargs=true})
check("varargs", h(1, 2, 3), "(1, (2, 3), '-', {})")
check("varargs kw", aio.call(h, {n=3, 1, 2, 3}, {"sep", "x", sep="+", x=1}), "(1, (2, 3), '+', {'x': 1})")
check("varargs by kw", aio.call(h, {n=0}, {a=5}), "(5, (), '-', {})")
check("unpack_all", h(aio.unpack_all(L({[0]=7, 8}))), "(7, (8,), '-', {})")
check("kwmerge", aio.call(f, {n=1, 1}, aio.kwmerge({c=3, "c"}, aio.dict({"b", 5}))), "(1, 5, 3, {})")
raises("kwmerge dup", "TypeError: got multiple values for keyword argument 'c'", aio.kwmerge, {c=3, "c"}, aio.dict({"c", 5}))
check("print kw", aio.call(B.print, {n=2, "a", "b"}, {sep="", ["end"]="!\n"}), None)

-- classes (emitted shape)
local Point
do local aio_cls = aio.class("Point", {}, nil)
  aio_cls.count = 0
  aio_cls.__init__ = aio.def(function(self, x, y) if y == nil then y = 0 end self.x = x self.y = y return None end, "Point.__init__", {name="Point.__init__", params={"self", "x", "y"}})
  aio_cls.norm = aio.def(function(self) return self.x * self.x + self.y * self.y end, "Point.norm", {name="Point.norm", params={"self"}})
  aio_cls.__repr__ = aio.def(function(self) return "Point(" .. aio.str(self.x) .. ", " .. aio.str(self.y) .. ")" end, "Point.__repr__", {name="Point.__repr__", params={"self"}})
  aio_cls.__eq__ = aio.def(function(self, o) return self.x == o.x and self.y == o.y end, "Point.__eq__", {name="Point.__eq__", params={"self", "o"}})
  aio_cls.__add__ = aio.def(function(self, o) return Point(self.x + o.x, self.y + o.y) end, "Point.__add__", {name="Point.__add__", params={"self", "o"}})
  aio_cls.__lt__ = aio.def(function(self, o) return self:norm() < o:norm() end, "Point.__lt__", {name="Point.__lt__", params={"self", "o"}})
  aio_cls.__hash__ = aio.def(function(self) return B.hash(T({[0]=self.x, self.y})) end, "Point.__hash__", {})
  aio_cls.__len__ = aio.def(function(self) return 2 end, "Point.__len__", {})
  Point = aio.class_done(aio_cls)
end
local p = Point(3, 4)
check("method", p:norm(), 25)
check("repr user", r(p) .. aio.str(p), "Point(3, 4)Point(3, 4)")
check("list of user", r(L({[0]=p})), "[Point(3, 4)]")
check("user eq", p == Point(3, 4), true)
check("user add", r(p + Point(1, 1)), "Point(4, 5)")
check("user lt / sorted", r(B.sorted(L({[0]=p, Point(1, 0)}))), "[Point(1, 0), Point(3, 4)]")
check("user len", B.len(p), 2)
check("class attr", p.count, 0)
check("call class kw", r(aio.call(Point, {n=1, 1}, {y=7})), "Point(1, 7)")
check("getattr bound", aio.getattr(p, "norm")(), 25)
check("callm", aio.callm(p, "norm"), 25)
check("hash key", aio.dict({p, 1})[Point(3, 4)], 1)
raises("no attr", "AttributeError: 'Point' object has no attribute 'zz'", function() return p.zz end)
raises("no attr getattr", "AttributeError: 'Point' object has no attribute 'zz'", aio.getattr, p, "zz")
raises("class no attr", "AttributeError: type object 'Point' has no attribute 'zz'", aio.getattr, Point, "zz")
check("type name", aio.getattr(B.type(p), "__name__"), "Point")
check("isinstance", B.isinstance(p, Point) and B.isinstance(p, B.object), true)
raises("instance attr shadows", "TypeError: 'int' object is not callable", function() p.norm = 5 return aio.callm(p, "norm") end)

-- inheritance, super, property, staticmethod, classmethod
local Base, Child
do local aio_cls = aio.class("Base", {}, nil)
  aio_cls.__init__ = aio.def(function(self, n) self.n = n return None end, "Base.__init__", {name="Base.__init__", params={"self", "n"}})
  aio_cls.who = aio.def(function(self) return "base" .. self.n end, "Base.who", {})
  aio_cls.make = B.classmethod(aio.def(function(cls, n) return cls(n) end, "Base.make", {}))
  aio_cls.util = B.staticmethod(aio.def(function(x) return x * 2 end, "Base.util", {}))
  aio_cls.double = B.property(aio.def(function(self) return self.n * 2 end, "Base.double", {}))
  Base = aio.class_done(aio_cls)
end
do local aio_cls = aio.class("Child", {Base}, nil)
  aio_cls.__init__ = aio.def(function(self, n) aio.super_method(aio_cls, self, "__init__")(self, n + 1) return None end, "Child.__init__", {})
  aio_cls.who = aio.def(function(self) return "child+" .. aio.super_method(aio_cls, self, "who")(self) end, "Child.who", {})
  Child = aio.class_done(aio_cls)
end
local c = Child(1)
check("super", c:who(), "child+base2")
check("property", aio.getattr(c, "double"), 4)
check("property raw", c.double, 4)
check("classmethod", r(B.type(aio.callm(Child, "make", 5))), "<class '__main__.Child'>")
check("classmethod raw", aio.getattr(Child.make(3), "n"), 4)
check("staticmethod", aio.callm(c, "util", 4) + Base.util(1), 10)
check("issubclass", B.issubclass(Child, Base), true)
raises("prop no setter", "AttributeError: property of 'Child' object has no setter", function() c.double = 1 end)

-- user exceptions
local MyErr
do local aio_cls = aio.class("MyErr", {B.ValueError}, nil)
  MyErr = aio.class_done(aio_cls)
end
local ok, e = pcall(aio.raise, MyErr("bad", 2))
e = aio.exc(e)
check("user exc", r(e) .. "|" .. aio.str(e), "MyErr('bad', 2)|('bad', 2)")
check("user exc match", aio.match(e, B.ValueError) and aio.match(e, T({[0]=B.KeyError, B.Exception})), true)
ok, e = pcall(aio.raise, B.KeyError)
check("raise class", r(aio.exc(e)), "KeyError()")
raises("raise non exc", "TypeError: exceptions must derive from BaseException", aio.raise, 5)

-- generators
local gen = aio.def(function(n)
  return aio.generator(function()
    for i = 0, n - 1 do aio.yield(i * i) end
    return "done"
  end, "gen")
end, "gen", {})
check("gen list", r(B.list(gen(4))), "[0, 1, 4, 9]")
check("gen sum", B.sum(gen(4)), 14)
local gi = gen(1)
check("gen next", B.next(gi), 0)
raises("gen stop", "StopIteration: done", B.next, gi)
local echo = aio.generator(function()
  local got = aio.yield(1)
  aio.yield(got * 10)
end, "echo")
check("gen send", B.next(echo) .. aio.callm(echo, "send", 5), "150")
local outer = aio.generator(function()
  local r2 = aio.yield_from(gen(2))
  aio.yield(r2)
end, "outer")
check("yield from", r(B.list(outer)), "[0, 1, 'done']")
-- foreign suspensions pass through a generator to the outer coroutine
local SLEEP = {}
local inner = aio.generator(function()
  local answer = coroutine.yield(SLEEP, "tick")
  aio.yield(answer)
end, "inner")
local task = coroutine.create(function() return B.next(inner) end)
local ok1, tag, payload = coroutine.resume(task)
check("forward suspension", tag == SLEEP and payload == "tick", true)
local ok2, v = coroutine.resume(task, "woken")
check("resume after suspension", v, "woken")
local bad = aio.generator(function() aio.yield(1) error(setmetatable({args = T({[0]="x"})}, B.ValueError), 0) end, "bad")
raises("gen error", "ValueError: x", function() for _ in aio.iter(bad) do end end)
-- user iterator class
local Count
do local aio_cls = aio.class("Count", {}, nil)
  aio_cls.__init__ = aio.def(function(self, n) self.i = 0 self.n = n return None end, "Count.__init__", {})
  aio_cls.__iter__ = aio.def(function(self) return self end, "Count.__iter__", {})
  aio_cls.__next__ = aio.def(function(self)
    if self.i >= self.n then aio.raise(B.StopIteration) end
    self.i = self.i + 1 return self.i end, "Count.__next__", {})
  Count = aio.class_done(aio_cls)
end
check("user iter", r(B.list(Count(3))), "[1, 2, 3]")
check("user iter in", aio.contains(Count(3), 2), true)

-- modules / globals
local m = aio.new_module("__main__")
check("module builtin fallback", m.len == B.len, true)
raises("NameError", "NameError: name 'nope' is not defined", function() return m.nope end)
check("module __name__", m.__name__, "__main__")

-- Lua errors become aio exceptions with aio wording
raises("lua n//0", "ZeroDivisionError: integer division or modulo by zero", function() local a, b = 1, 0 return a // b end)
raises("lua n%0", "ZeroDivisionError: integer modulo by zero", function() local a, b = 1, 0 return a % b end)
local function rec(n) return 1 + rec(n + 1) end
raises("recursion", "RecursionError: maximum recursion depth exceeded", rec, 1)

H.done()
