#!/bin/sh
# run.sh - the runtime's own tests: Lua unit tests (tests/runtime/test_*.lua)
# and traceback cases (tests/runtime/tb/*.lua vs *.expected), all run with
# plain lua5.4 against stdlib/*.lua. Prints "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 2
export AIO_ROOT=.
pass=0; fail=0
for t in tests/runtime/test_*.lua; do
  out=$(lua5.4 "$t" 2>&1)
  st=$?
  line=$(printf '%s\n' "$out" | tail -n 1)
  p=$(printf '%s' "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
  f=$(printf '%s' "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
  if [ -z "$p" ]; then p=0; f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$st" -ne 0 ]; then printf '%s\n' "$out" | grep -v '^[0-9]* passed' | sed "s|^|$t: |"; fi
done
for c in tests/runtime/tb/*.lua; do
  case "$c" in */run_case.lua) continue;; esac
  exp="${c%.lua}.expected"
  got=$( (lua5.4 tests/runtime/tb/run_case.lua "$c" 2>&1; echo "exit $?") | sed 's/repeated [0-9]* more times/repeated REPEATS more times/')
  if [ "$got" = "$(cat "$exp")" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $c"; printf '%s\n' "$got" | diff - "$exp" | head -20
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
