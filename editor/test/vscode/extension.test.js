// extension.test.js - checks the VS Code extension without VS Code: the
// manifest and configuration files, the problem matcher and indentation
// regexes, and the on-save check (extension.js) against a stand-in `vscode`
// module and a fake `aio` (fake-aio.sh). Run with `node --test`.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const Module = require('module');

const EXT = path.join(__dirname, '..', '..', 'vscode');
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(EXT, rel), 'utf8'));
const pkg = readJson('package.json');

test('manifest declares the aio language, grammar and snippets', () => {
  const lang = pkg.contributes.languages.find((l) => l.id === 'aio');
  assert.ok(lang, 'language aio');
  assert.deepStrictEqual(lang.extensions, ['.aio']);
  const first = new RegExp(lang.firstLine);
  assert.ok(first.test('#!/usr/bin/env aio'));
  assert.ok(first.test('#!/usr/local/bin/aio --flag'));
  assert.ok(!first.test('#!/bin/sh'));
  assert.ok(!first.test('#!/usr/bin/env python3 # aiohttp'));
  const grammar = pkg.contributes.grammars[0];
  assert.strictEqual(grammar.scopeName, 'source.aio');
  assert.strictEqual(readJson(grammar.path).scopeName, 'source.aio');
  const snippets = readJson(pkg.contributes.snippets[0].path);
  const bodies = Object.values(snippets).map((s) => s.body[0]);
  for (const start of ['async def', 'async for', 'async with', 'try:', 'class']) {
    assert.ok(bodies.some((b) => b.startsWith(start)), `a snippet starting with ${start}`);
  }
});

test('problem matcher reads aio check diagnostics', () => {
  const matcher = pkg.contributes.problemMatchers.find((m) => m.name === 'aio');
  const re = new RegExp(matcher.pattern.regexp);
  const m = re.exec('src/main.aio:12:7: error: name expected');
  assert.ok(m);
  assert.strictEqual(m[matcher.pattern.file], 'src/main.aio');
  assert.strictEqual(m[matcher.pattern.line], '12');
  assert.strictEqual(m[matcher.pattern.column], '7');
  assert.strictEqual(m[matcher.pattern.severity], 'error');
  assert.strictEqual(m[matcher.pattern.message], 'name expected');
  assert.ok(!re.test('    x = = 1'));
  assert.ok(!re.test('        ^'));
});

test('language configuration: comments, brackets, indentation, folding', () => {
  const conf = readJson(pkg.contributes.languages[0].configuration);
  assert.strictEqual(conf.comments.lineComment, '#');
  assert.strictEqual(conf.folding.offSide, true);
  assert.ok(conf.brackets.length === 3 && conf.autoClosingPairs.length >= 5);
  const inc = new RegExp(conf.indentationRules.increaseIndentPattern);
  const dec = new RegExp(conf.indentationRules.decreaseIndentPattern);
  for (const line of ['def f():', 'async def f(x):', '    if x:  # why', 'class A(B):', 'try:', 'async with l:']) {
    assert.ok(inc.test(line), `indent after ${line}`);
  }
  for (const line of ['x = 1', 'd = {1: 2}', 'return x']) {
    assert.ok(!inc.test(line), `no indent after ${line}`);
  }
  for (const line of ['else:', '    elif x:', 'except ValueError as e:', 'finally:']) {
    assert.ok(dec.test(line), `dedent ${line}`);
  }
  const outdent = conf.onEnterRules.find((r) => r.action.indent === 'outdent');
  assert.ok(new RegExp(outdent.beforeText).test('        return x'));
});

test('parseCheckOutput keeps only diagnostic lines', () => {
  const { parseCheckOutput } = require(path.join(EXT, 'extension.js'));
  const out = parseCheckOutput('a b.aio:3:5: error: bad\n    x\n    ^\nc.aio:1:1: warning: meh\n');
  assert.deepStrictEqual(out, [
    { file: 'a b.aio', line: 3, col: 5, severity: 'error', message: 'bad' },
    { file: 'c.aio', line: 1, col: 1, severity: 'warning', message: 'meh' },
  ]);
});

// A minimal stand-in for the parts of the `vscode` API extension.js uses.
function fakeVscode(settings) {
  class Position {
    constructor(line, character) { this.line = line; this.character = character; }
    translate(dl, dc) { return new Position(this.line + dl, this.character + dc); }
  }
  const api = {
    saved: null,
    published: [],
    Position,
    Range: class { constructor(start, end) { this.start = start; this.end = end; } },
    Diagnostic: class { constructor(range, message, severity) { Object.assign(this, { range, message, severity }); } },
    DiagnosticSeverity: { Error: 0, Warning: 1 },
    window: { showWarningMessage: (msg) => api.published.push({ warning: msg }) },
    languages: {
      createDiagnosticCollection: () => ({
        set: (uri, diags) => api.published.push({ uri, diags }),
        delete: () => {},
        dispose: () => {},
      }),
    },
    workspace: {
      getConfiguration: () => ({ get: (key, dflt) => (key in settings ? settings[key] : dflt) }),
      onDidSaveTextDocument: (fn) => { api.saved = fn; return { dispose() {} }; },
      onDidCloseTextDocument: () => ({ dispose() {} }),
    },
  };
  return api;
}

test('saving an .aio file runs aio check and publishes diagnostics', async () => {
  const vscode = fakeVscode({ executable: path.join(__dirname, 'fake-aio.sh') });
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  try {
    const ext = require(path.join(EXT, 'extension.js'));
    ext.activate({ subscriptions: [] });
    const file = path.join(__dirname, 'broken.aio');
    const doc = { languageId: 'aio', uri: { scheme: 'file', fsPath: file } };
    vscode.saved(doc);
    for (let i = 0; i < 100 && vscode.published.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.strictEqual(vscode.published.length, 1);
    const [diag] = vscode.published[0].diags;
    assert.strictEqual(diag.message, 'expected an expression');
    assert.strictEqual(diag.range.start.line, 1);
    assert.strictEqual(diag.range.start.character, 13);
    assert.strictEqual(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(diag.source, 'aio');
    vscode.saved({ languageId: 'python', uri: { scheme: 'file', fsPath: file } });
    await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(vscode.published.length, 1, 'other languages are not checked');
  } finally {
    Module._load = load;
  }
});
