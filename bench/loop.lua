-- loop: a nested numeric loop with integer arithmetic on locals.
local function main()
  local total = 0
  for i = 0, 2999 do
    for j = 0, 2999 do
      total = total + i * j % 7
    end
  end
  print(total)
end

main()
