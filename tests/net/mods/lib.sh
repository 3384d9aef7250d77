# Helpers for tests/net `# cmd:` lines: free ports, background peers that are
# always killed, waiting for a port. Everything on 127.0.0.1, bounded in time.
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do nc -z 127.0.0.1 "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
bg() { "$@" & PIDS="$PIDS $!"; }
# wait_line FILE REGEX: waits until FILE has a line matching REGEX
wait_line() { for _ in $(seq 100); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "no '$2' in $1" >&2; return 1; }
# python3 without the start-up cost of version-manager shims when possible
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
