// extension.js - the only runtime code of the aio VS Code extension: runs
// `aio check FILE` when an .aio file is saved (setting aio.checkOnSave) and
// shows its `file:line:col: error: message` lines in the Problems panel.
// Highlighting, indentation and snippets are declarative (package.json).
'use strict';
const childProcess = require('child_process');
const path = require('path');

const LINE_RE = /^(.+?):(\d+):(\d+):\s+(error|warning):\s+(.*)$/;

// Parses `aio check` output into {file, line, col, severity, message}
// records; line and col are 1-based as printed. Source and caret lines that
// follow each message do not match and are skipped.
function parseCheckOutput(text) {
  const out = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = LINE_RE.exec(raw);
    if (m) {
      out.push({ file: m[1], line: Number(m[2]), col: Number(m[3]), severity: m[4], message: m[5] });
    }
  }
  return out;
}

// Diagnostics for the errors in `output` that belong to `file` (aio check
// names the file as it was given, here an absolute path).
function toDiagnostics(vscode, output, file) {
  return parseCheckOutput(output)
    .filter((d) => path.resolve(path.dirname(file), d.file) === path.resolve(file))
    .map((d) => {
      const pos = new vscode.Position(Math.max(d.line - 1, 0), Math.max(d.col - 1, 0));
      const sev = d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error;
      const diag = new vscode.Diagnostic(new vscode.Range(pos, pos.translate(0, 1)), d.message, sev);
      diag.source = 'aio';
      return diag;
    });
}

function checkDocument(vscode, collection, doc) {
  const config = vscode.workspace.getConfiguration('aio', doc.uri);
  if (doc.languageId !== 'aio' || doc.uri.scheme !== 'file' || !config.get('checkOnSave', true)) {
    return;
  }
  const exe = config.get('executable', 'aio');
  const file = doc.uri.fsPath;
  const opts = { cwd: path.dirname(file), timeout: 20000 };
  childProcess.execFile(exe, ['check', file], opts, (err, stdout, stderr) => {
    if (err && err.code === 'ENOENT') {
      vscode.window.showWarningMessage(`aio: cannot run "${exe}"; set aio.executable`);
      return;
    }
    collection.set(doc.uri, toDiagnostics(vscode, `${stdout}\n${stderr}`, file));
  });
}

function activate(context) {
  const vscode = require('vscode');
  const collection = vscode.languages.createDiagnosticCollection('aio');
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidSaveTextDocument((doc) => checkDocument(vscode, collection, doc)),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
  );
}

function deactivate() {}

module.exports = { activate, deactivate, parseCheckOutput };
