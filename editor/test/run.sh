#!/bin/sh
# run.sh - runs every editor-support test (issue 6): the Vim plugin in
# headless Vim, the VS Code TextMate grammar with vscode-tmgrammar-test
# (assertions and snapshots), the extension manifest and on-save check, and
# packing the .vsix. Installs vim, node/npm (as root, from Debian) and the
# pinned npm packages (npm ci into editor/test/node_modules) when missing.
# Ends with one line `N passed, N failed`; exits non-zero on any failure.
#
#   editor/test/run.sh            run the tests
#   editor/test/run.sh --update   also rewrite the grammar JSON and the
#                                 snapshots of editor/test/samples/*.aio
# AIO=path/to/aio adds a check-on-save test in Vim against the real compiler.
set -u

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
EDITOR_DIR=$(dirname "$TEST_DIR")
ROOT=$(dirname "$EDITOR_DIR")
UPDATE=0
[ "${1:-}" = --update ] && UPDATE=1

PASSED=0
FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/aio-editor-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# --- tools ------------------------------------------------------------------

# Installs Debian packages as root, or says how and fails.
need_debs() {
    if [ "$(id -u)" = 0 ]; then
        echo "editor tests: installing $*"
        apt-get install -y -qq "$@" >/dev/null 2>&1 ||
            { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; } ||
            { fail "apt-get install $*"; finish; }
    else
        echo "editor tests need Debian packages; run:"
        echo "  sudo apt-get install -y $*"
        fail "missing packages: $*"
        finish
    fi
}

command -v vim >/dev/null 2>&1 || need_debs vim
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need_debs nodejs npm

# npm packages: `npm ci` from the committed lock file, skipped when
# node_modules was installed from this very lock file.
STAMP="$TEST_DIR/node_modules/.aio-lock-stamp"
LOCK_SUM=$(cksum < "$TEST_DIR/package-lock.json")
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_SUM" ]; then
    echo "editor tests: npm ci in editor/test"
    if (cd "$TEST_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$TMP/npm.log" 2>&1); then
        echo "$LOCK_SUM" > "$STAMP"
    else
        cat "$TMP/npm.log"
        fail "npm ci"
        finish
    fi
fi
BIN="$TEST_DIR/node_modules/.bin"

# Counts the per-test lines of a tool's output: lines matching $2 pass,
# lines matching $3 fail; a non-zero exit with no failing line still fails.
count_lines() { # name okpattern failpattern status outfile
    ok=$(grep -c -- "$2" "$5")
    bad=$(grep -c -- "$3" "$5")
    PASSED=$((PASSED + ok))
    FAILED=$((FAILED + bad))
    if [ "$bad" -gt 0 ] || [ "$4" -ne 0 ] || [ "$ok" -eq 0 ]; then
        cat "$5"
        [ "$bad" -eq 0 ] && fail "$1 (exit status $4)"
    fi
}

# --- VS Code ------------------------------------------------------------------

cd "$EDITOR_DIR" || exit 1
GEN=vscode/syntaxes/gen-grammar.js
if [ "$UPDATE" = 1 ]; then node "$GEN"; fi
if node "$GEN" --check; then pass; else fail "grammar JSON is stale: run node editor/$GEN"; fi

# Grammar assertions.
"$BIN/vscode-tmgrammar-test" --config vscode/package.json 'test/grammar/*.test.aio' >"$TMP/unit.out" 2>&1
count_lines "grammar assertions" '^✓' '^✖' $? "$TMP/unit.out"

# Snapshots: the tool writes a missing snapshot instead of failing, so a
# sample without a committed .snap fails here first.
missing=0
for f in test/samples/*.aio; do
    if [ ! -f "$f.snap" ] && [ "$UPDATE" = 0 ]; then
        fail "no committed snapshot for editor/$f (run editor/test/run.sh --update)"
        missing=1
    fi
done
if [ "$missing" = 0 ]; then
    if [ "$UPDATE" = 1 ]; then
        "$BIN/vscode-tmgrammar-snap" --config vscode/package.json -u 'test/samples/*.aio'
    fi
    "$BIN/vscode-tmgrammar-snap" --config vscode/package.json 'test/samples/*.aio' >"$TMP/snap.out" 2>&1
    count_lines "grammar snapshots" '^✓' '^✖\|^ERROR' $? "$TMP/snap.out"
fi

# Manifest, configuration and the on-save check, with node's test runner.
node --test --test-reporter=tap test/vscode/extension.test.js >"$TMP/node.out" 2>&1
st=$?
ok=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$TMP/node.out")
bad=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$TMP/node.out")
PASSED=$((PASSED + ${ok:-0}))
if [ "$st" -ne 0 ] || [ "${ok:-0}" -eq 0 ]; then
    cat "$TMP/node.out"
    fail "extension tests (${bad:-?} failed)"
fi

# Packing the .vsix offline, and what it must contain.
if (cd vscode && "$BIN/vsce" package --no-dependencies --skip-license --allow-missing-repository \
        -o "$TMP/aio.vsix" </dev/null >"$TMP/vsce.out" 2>&1); then
    if node -e '
        const yauzl = require(process.argv[2]);
        const want = ["extension/package.json", "extension/syntaxes/aio.tmLanguage.json",
            "extension/language-configuration.json", "extension/snippets/aio.json", "extension/extension.js"];
        const seen = [];
        yauzl.open(process.argv[1], { lazyEntries: true }, (err, zip) => {
            if (err) throw err;
            zip.on("entry", (e) => { seen.push(e.fileName); zip.readEntry(); });
            zip.on("end", () => {
                const lost = want.filter((w) => !seen.includes(w));
                const extra = seen.filter((s) => s.includes("gen-grammar") || s.includes("node_modules"));
                if (lost.length || extra.length) { console.log("missing:", lost, "unwanted:", extra); process.exit(1); }
            });
            zip.readEntry();
        });' "$TMP/aio.vsix" "$TEST_DIR/node_modules/yauzl"; then
        pass
    else
        fail "vsix contents"
    fi
else
    cat "$TMP/vsce.out"
    fail "vsce package"
fi

# --- Vim ----------------------------------------------------------------------

# One headless Vim runs the syntax, typing, ftplugin and re-indent checks;
# each writes `ok NAME` or `not ok NAME: why` lines to $OUT.
OUT="$TMP/vim.out"
: > "$OUT"
run_vim() { # vim commands...
    set -- -c "let g:aio_test_out = '$OUT'" -S "$TEST_DIR/vim/lib.vim" "$@" -c 'qa!'
    timeout 60 vim -es -N -u NONE -i NONE --cmd "set rtp^=$EDITOR_DIR/vim" "$@" </dev/null >>"$TMP/vim.log" 2>&1
}
run_vim \
    -c "call AioTestSyntax('test/vim/syntax.aio')" \
    -c "call AioTestTyping('test/vim/typing.txt')" \
    -c "call AioTestFtplugin('test')" \
    -c "for f in glob('test/samples/*.aio', 0, 1) + glob('test/vim/indent/*.aio', 0, 1) | call AioTestReindent(f) | endfor" \
    -c "call AioTestCheckOnSave('$TEST_DIR/vscode/fake-aio.sh', 'fake aio')"
st=$?
AIO=${AIO:-}
if [ -n "$AIO" ]; then
    case $AIO in /*) ;; *) AIO="$ROOT/$AIO" ;; esac
    if [ -x "$AIO" ]; then
        run_vim -c "call AioTestCheckOnSave('$AIO', 'real aio')" || st=$?
    fi
fi
[ "$st" -ne 0 ] && cat "$TMP/vim.log"
count_lines "vim tests" '^ok ' '^not ok ' "$st" "$OUT"

finish
