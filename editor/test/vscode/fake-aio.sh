#!/bin/sh
# fake-aio.sh - stands in for `aio check FILE` in the on-save tests: prints
# one diagnostic in aio's format (with source and caret lines) and exits 2.
[ "$1" = check ] || { echo "fake-aio: expected 'check'" >&2; exit 1; }
echo "$2:2:14: error: expected an expression"
echo "    return 1 +"
echo "             ^"
exit 2
