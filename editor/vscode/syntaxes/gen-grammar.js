#!/usr/bin/env node
// gen-grammar.js - writes aio.tmLanguage.json, the TextMate grammar (scope
// source.aio) of the aio VS Code extension. The grammar is generated because
// aio has 6 string kinds (plain, raw, bytes, raw bytes, f, raw f) times 4
// quote styles, and writing 24 near-identical rules by hand invites drift.
// Usage: node gen-grammar.js          rewrite the JSON next to this file
//        node gen-grammar.js --check  exit 1 if the committed JSON is stale
'use strict';
const fs = require('fs');
const path = require('path');

const OUT = path.join(__dirname, 'aio.tmLanguage.json');
const IDENT = '[[:alpha:]_][[:alnum:]_]*';

// Word lists; keep in sync with editor/vim/syntax/aio.vim.
const WORDS = {
  flow: 'if elif else for while break continue return pass raise try except finally with yield as',
  imports: 'import from',
  other: 'del assert global nonlocal',
  logical: 'and or not in is',
  constants: 'None True False NotImplemented Ellipsis __debug__',
  builtins: 'print len range str int float bool list tuple dict set frozenset bytes type isinstance ' +
    'issubclass repr abs min max sum sorted reversed enumerate zip map filter any all round divmod ' +
    'ord chr hex oct bin iter next hash callable getattr setattr hasattr delattr super object ' +
    'staticmethod classmethod property format id input open vars dir slice',
  asyncBuiltins: 'sleep gather spawn wait_for timeout',
  exceptions: 'BaseException Exception ArithmeticError AssertionError AttributeError ' +
    'CancelledError EOFError GeneratorExit ImportError IndexError KeyError KeyboardInterrupt ' +
    'LookupError MemoryError ModuleNotFoundError NameError NotImplementedError OSError ' +
    'OverflowError RecursionError RuntimeError StopAsyncIteration StopIteration SyntaxError ' +
    'SystemExit TimeoutError TypeError UnboundLocalError UnicodeError ValueError ZeroDivisionError',
};

function words(list) {
  return list.split(' ').join('|');
}

// A keyword-like word that is not an attribute (`x.print` is not the builtin).
function wordRule(list, name) {
  return { match: `(?<![\\w.])(?:${words(list)})\\b`, name };
}

const DIGITS = '\\d(?:_?\\d)*';
const EXP = `(?:[eE][+-]?${DIGITS})`;

const numbers = {
  patterns: [
    {
      name: 'constant.numeric.float.aio',
      match: `(?<![\\w.])(?:${DIGITS}\\.${DIGITS}${EXP}?|\\.${DIGITS}${EXP}?|${DIGITS}\\.${EXP}?|${DIGITS}${EXP})(?![\\w.])`,
    },
    { name: 'constant.numeric.integer.hexadecimal.aio', match: '(?<![\\w.])0[xX](?:_?[0-9a-fA-F])+\\b' },
    { name: 'constant.numeric.integer.octal.aio', match: '(?<![\\w.])0[oO](?:_?[0-7])+\\b' },
    { name: 'constant.numeric.integer.binary.aio', match: '(?<![\\w.])0[bB](?:_?[01])+\\b' },
    { name: 'constant.numeric.integer.decimal.aio', match: `(?<![\\w.])(?:0(?:_?0)*|[1-9](?:_?\\d)*)\\b` },
  ],
};

// String kinds: prefix regex (case-insensitive), scope infix, and which
// escapes apply. Longer prefixes come first so `rb"` is not read as `b"`.
const KINDS = [
  { key: 'raw-fstring', prefix: '[fF][rR]|[rR][fF]', raw: true, fstring: true },
  { key: 'raw-bytes', prefix: '[bB][rR]|[rR][bB]', raw: true, infix: 'raw.binary' },
  { key: 'fstring', prefix: '[fF]', fstring: true },
  { key: 'bytes', prefix: '[bB]', infix: 'binary', escapes: 'bytes-escape' },
  { key: 'raw', prefix: '[rR]', raw: true, infix: 'raw' },
  { key: 'plain', prefix: '[uU]?', escapes: 'string-escape' },
];
const QUOTES = [
  { q: "'''", style: 'triple', multi: true },
  { q: '"""', style: 'triple', multi: true },
  { q: "'", style: 'single' },
  { q: '"', style: 'double' },
];

function stringRule(kind, quote) {
  const q = quote.q;
  const first = quote.q[0];
  // A single-line string ends at its quote, or (unterminated) at the end of a
  // line that is not continued by a backslash.
  const end = quote.multi ? `(${q})` : `(${q})|((?<!\\\\)\\n)`;
  const patterns = [];
  if (kind.raw) {
    // In a raw string a backslash still keeps the next quote from ending it.
    patterns.push({ match: `\\\\[\\\\${first}\\n]` });
  } else if (kind.fstring) {
    patterns.push({ include: '#string-escape' });
  } else {
    patterns.push({ include: `#${kind.escapes}` });
  }
  if (kind.fstring) {
    const style = (kind.raw ? 'raw.' : '') + quote.style;
    const text = quote.multi ? `[^{}\\\\${first}]+|${first}` : `[^{}\\\\${first}\\n]+`;
    patterns.push(
      { name: 'constant.character.escape.brace.aio', match: '\\{\\{|\\}\\}' },
      { include: '#fstring-field' },
      { name: 'invalid.illegal.brace.aio', match: '\\}' },
      { name: `string.interpolated.${style}.aio`, match: `${text}|\\\\` },
    );
    return {
      name: 'meta.fstring.aio',
      begin: `(?<![\\w])(${kind.prefix})(${q})`,
      beginCaptures: {
        1: { name: `string.interpolated.${style}.aio storage.type.string.aio` },
        2: { name: `string.interpolated.${style}.aio punctuation.definition.string.begin.aio` },
      },
      end,
      endCaptures: {
        1: { name: `string.interpolated.${style}.aio punctuation.definition.string.end.aio` },
        2: { name: 'invalid.illegal.newline.aio' },
      },
      patterns,
    };
  }
  const name = `string.quoted.${kind.infix ? kind.infix + '.' : ''}${quote.style}.aio`;
  return {
    name,
    begin: `(?<![\\w])(${kind.prefix})(${q})`,
    beginCaptures: {
      1: { name: 'storage.type.string.aio' },
      2: { name: 'punctuation.definition.string.begin.aio' },
    },
    end,
    endCaptures: {
      1: { name: 'punctuation.definition.string.end.aio' },
      2: { name: 'invalid.illegal.newline.aio' },
    },
    patterns,
  };
}

const strings = { patterns: [] };
for (const kind of KINDS) {
  for (const quote of QUOTES) strings.patterns.push(stringRule(kind, quote));
}

// The expression part of an f-string field. Brackets nest so that a `:` in a
// slice or a dict display is not read as the start of the format spec.
function bracketRule(open, close, name) {
  return {
    begin: `\\${open}`,
    beginCaptures: { 0: { name: `punctuation.${name}.begin.aio` } },
    end: `\\${close}`,
    endCaptures: { 0: { name: `punctuation.${name}.end.aio` } },
    patterns: [{ include: '#fstring-expression' }],
  };
}

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'aio',
  scopeName: 'source.aio',
  fileTypes: ['aio'],
  firstLineMatch: '^#!.*[/ ]aio(?:\\s|$)',
  comment: 'Generated by gen-grammar.js; edit that file, not this one.',
  patterns: [
    { include: '#comment' },
    { include: '#decorator' },
    { include: '#function-definition' },
    { include: '#class-definition' },
    { include: '#expression' },
  ],
  repository: {
    comment: {
      name: 'comment.line.number-sign.aio',
      begin: '#',
      beginCaptures: { 0: { name: 'punctuation.definition.comment.aio' } },
      end: '$',
      patterns: [{ name: 'keyword.codetag.notation.aio', match: '\\b(?:TODO|FIXME|XXX)\\b' }],
    },
    decorator: {
      name: 'meta.function.decorator.aio',
      match: `^\\s*(@)\\s*(${IDENT}(?:\\s*\\.\\s*${IDENT})*)`,
      captures: {
        1: { name: 'punctuation.definition.decorator.aio entity.name.function.decorator.aio' },
        2: { name: 'entity.name.function.decorator.aio' },
      },
    },
    'function-definition': {
      match: `\\b(?:(async)\\s+)?(def)\\s+(${IDENT})`,
      captures: {
        1: { name: 'storage.modifier.async.aio' },
        2: { name: 'storage.type.function.aio' },
        3: { name: 'entity.name.function.aio' },
      },
    },
    'class-definition': {
      match: `\\b(class)\\s+(${IDENT})`,
      captures: {
        1: { name: 'storage.type.class.aio' },
        2: { name: 'entity.name.type.class.aio' },
      },
    },
    expression: {
      patterns: [
        { include: '#strings' },
        { include: '#numbers' },
        { include: '#keywords' },
        { include: '#self' },
        { include: '#builtins' },
        { include: '#operators' },
        { include: '#punctuation' },
      ],
    },
    keywords: {
      patterns: [
        { name: 'storage.modifier.async.aio', match: '(?<![\\w.])async\\b' },
        { name: 'keyword.control.await.aio', match: '(?<![\\w.])await\\b' },
        { name: 'storage.type.function.aio', match: '(?<![\\w.])def\\b' },
        { name: 'storage.type.class.aio', match: '(?<![\\w.])class\\b' },
        { name: 'storage.type.function.lambda.aio', match: '(?<![\\w.])lambda\\b' },
        wordRule(WORDS.flow, 'keyword.control.flow.aio'),
        wordRule(WORDS.imports, 'keyword.control.import.aio'),
        wordRule(WORDS.other, 'keyword.other.aio'),
        wordRule(WORDS.logical, 'keyword.operator.logical.aio'),
        wordRule(WORDS.constants, 'constant.language.aio'),
      ],
    },
    self: { name: 'variable.language.self.aio', match: '(?<![\\w.])self\\b' },
    builtins: {
      patterns: [
        wordRule(WORDS.exceptions, 'support.type.exception.aio'),
        wordRule(WORDS.asyncBuiltins, 'support.function.builtin.async.aio'),
        wordRule(WORDS.builtins, 'support.function.builtin.aio'),
      ],
    },
    operators: {
      patterns: [
        { name: 'keyword.operator.assignment.aio', match: ':=|(?:\\*\\*|//|>>|<<|[-+*/%@&|^])=' },
        { name: 'keyword.operator.comparison.aio', match: '==|!=|<=|>=|<|>' },
        { name: 'keyword.operator.arithmetic.aio', match: '\\*\\*|//|[-+*/%@]' },
        { name: 'keyword.operator.bitwise.aio', match: '<<|>>|[&|^~]' },
        { name: 'keyword.operator.assignment.aio', match: '=' },
        { name: 'punctuation.separator.annotation.result.aio', match: '->' },
      ],
    },
    punctuation: {
      patterns: [
        { name: 'punctuation.separator.colon.aio', match: ':' },
        { name: 'punctuation.separator.element.aio', match: ',' },
        { name: 'punctuation.accessor.dot.aio', match: '\\.' },
      ],
    },
    numbers,
    strings,
    'string-escape': {
      name: 'constant.character.escape.aio',
      match: '\\\\(?:[\\\\\'"abfnrtv\\n]|[0-7]{1,3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\\{[^}\\n]+\\})',
    },
    'bytes-escape': {
      name: 'constant.character.escape.aio',
      match: '\\\\(?:[\\\\\'"abfnrtv\\n]|[0-7]{1,3}|x[0-9a-fA-F]{2})',
    },
    'fstring-field': {
      name: 'meta.interpolation.aio',
      begin: '\\{',
      beginCaptures: { 0: { name: 'punctuation.section.interpolation.begin.aio' } },
      end: '\\}',
      endCaptures: { 0: { name: 'punctuation.section.interpolation.end.aio' } },
      patterns: [
        { match: '(!)([rsa])(?=\\s*[:}])', captures: {
          1: { name: 'punctuation.separator.conversion.aio' },
          2: { name: 'support.other.format.conversion.aio' } } },
        { include: '#format-spec' },
        { include: '#fstring-expression' },
      ],
    },
    'format-spec': {
      name: 'meta.format-spec.aio',
      begin: ':(?!=)',
      beginCaptures: { 0: { name: 'punctuation.separator.format-spec.aio' } },
      end: '(?=\\})',
      patterns: [
        { include: '#fstring-field' },
        { name: 'constant.other.format-spec.aio', match: '[^{}]+' },
      ],
    },
    'fstring-expression': {
      patterns: [
        bracketRule('(', ')', 'parenthesis'),
        bracketRule('[', ']', 'brackets'),
        bracketRule('{', '}', 'braces'),
        { include: '#expression' },
      ],
    },
  },
};

const text = JSON.stringify(grammar, null, 2) + '\n';
if (process.argv.includes('--check')) {
  const old = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (old !== text) {
    console.error(`${OUT} is stale: run node ${path.relative(process.cwd(), __filename)}`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(OUT, text);
}
