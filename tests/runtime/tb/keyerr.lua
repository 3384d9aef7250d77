return { name = "k.aio", source = [[
d = {"a": 1}
xs = [1, 2]
def look(k):
    return d[k]
print(look("a"))
try:
    xs[5]
except IndexError as e:
    print("caught", e)
class MyError(Exception):
    pass
try:
    raise MyError("boom")
except ValueError:
    pass
]], lua = [[
local aio = ...; local aio_pcall, aio_xpcall = aio.pcall, aio.xpcall; local aio_def, aio_dict, aio_list, aio_exc, aio_match, aio_raise, aio_class, aio_class_done = aio.def, aio.dict, aio.list, aio.exc, aio.match, aio.raise, aio.class, aio.class_done; d = aio_dict({"a", 1})
xs = aio_list({[0]=1, 2})
look = aio_def(function(k)
  return (d[k])
end, "look", {name="look", params={"k"}}) print(look("a"))
local aio_ok, aio_e = aio_pcall(function()
  local _ = xs[5]
end) if not aio_ok then aio_e = aio_exc(aio_e) if aio_match(aio_e, IndexError) then local e = aio_e
  print("caught", e)
else aio_raise(aio_e) end end do local aio_cls = aio_class("MyError", {Exception}, nil)
MyError = aio_class_done(aio_cls) end
local aio_ok, aio_e = aio_xpcall(function()
  aio_raise(MyError("boom"))
end, aio.traceback_handler) if not aio_ok then aio_e = aio_exc(aio_e) if aio_match(aio_e, ValueError) then
else aio_raise(aio_e) end end
]] }
