-- strings: build 1M small strings in a table, then concatenate them.
local function main()
  local parts = {}
  for i = 0, 999999 do
    parts[i + 1] = tostring(i) .. ","
  end
  local s = table.concat(parts)
  print(#s)
end

main()
