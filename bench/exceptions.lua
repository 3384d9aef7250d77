-- exceptions (issue 3): raise and catch 1M exceptions across a call.
local ValueError = {}
ValueError.__index = ValueError

local function check(i)
  if i % 2 == 0 then
    error(setmetatable({msg = "odd one out"}, ValueError))
  end
  return i
end

local function main()
  local caught, total = 0, 0
  for i = 0, 1999999 do
    local ok, r = pcall(check, i)
    if ok then
      total = total + r
    elseif getmetatable(r) == ValueError then
      caught = caught + 1
    else
      error(r, 0)
    end
  end
  print(caught .. " " .. total)
end

main()
