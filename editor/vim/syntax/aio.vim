" Vim syntax file for aio (Python 3 syntax, async scripting language).
" Owns: highlighting groups aio*. Word lists are kept in sync with
" editor/vscode/syntaxes/gen-grammar.js.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
" Sync at a def or class line in column 0: that is never inside a string in
" a well-formed file, and syncing from the start is slow while the indenter
" re-indents (every change invalidates the syntax state).
syn sync match aioSync grouphere NONE "^\%(async\s\+\)\=\%(def\|class\)\s\+\h\w*\s*[(:]"
syn sync maxlines=300

" Keywords. `def` and `class` name the function or class that follows.
syn keyword aioStatement     pass return yield del assert global nonlocal lambda
syn keyword aioStatement     def nextgroup=aioFunction skipwhite
syn keyword aioStatement     class nextgroup=aioClass skipwhite
syn keyword aioConditional   if elif else
syn keyword aioRepeat        for while break continue
syn keyword aioException     try except finally raise
syn keyword aioInclude       import from as
syn keyword aioOperator      and or not in is
syn keyword aioAsync         async await
syn keyword aioConstant      None True False NotImplemented Ellipsis __debug__
syn keyword aioStatement     with
syn keyword aioSelf          self

syn match   aioFunction      "\h\w*" contained
syn match   aioClass         "\h\w*" contained

" Builtins are matches, not keywords, so `obj.print` (an attribute) is not one.
syn match   aioBuiltin       "\.\@1<!\<\%(print\|len\|range\|str\|int\|float\|bool\|list\|tuple\|dict\|set\|frozenset\|bytes\|type\|isinstance\|issubclass\|repr\|abs\|min\|max\|sum\|sorted\|reversed\|enumerate\|zip\|map\|filter\|any\|all\|round\|divmod\|ord\|chr\|hex\|oct\|bin\|iter\|next\|hash\|callable\|getattr\|setattr\|hasattr\|delattr\|super\|object\|staticmethod\|classmethod\|property\|format\|id\|input\|open\|vars\|dir\|slice\)\>"
syn match   aioAsyncBuiltin  "\.\@1<!\<\%(sleep\|gather\|spawn\|wait_for\|timeout\)\>"
syn match   aioExceptionName "\.\@1<!\<\%(BaseException\|Exception\|ArithmeticError\|AssertionError\|AttributeError\|CancelledError\|EOFError\|GeneratorExit\|ImportError\|IndexError\|KeyError\|KeyboardInterrupt\|LookupError\|MemoryError\|ModuleNotFoundError\|NameError\|NotImplementedError\|OSError\|OverflowError\|RecursionError\|RuntimeError\|StopAsyncIteration\|StopIteration\|SyntaxError\|SystemExit\|TimeoutError\|TypeError\|UnboundLocalError\|UnicodeError\|ValueError\|ZeroDivisionError\)\>"

" A decorator only starts a line; elsewhere `@` is matrix multiplication.
syn match   aioDecorator     "^\s*\zs@\s*\h\w*\%(\s*\.\s*\h\w*\)*"

" Comments, with the first-line shebang as a comment too.
syn match   aioComment       "#.*$" contains=aioTodo,@Spell
syn keyword aioTodo          TODO FIXME XXX contained

" Numbers: ints in four bases with underscores, then floats (defined later so
" that `1.5` is one float, not the int `1` followed by `.5`).
syn match   aioNumber        "\<0[xX]\%(_\=\x\)\+\>"
syn match   aioNumber        "\<0[oO]\%(_\=\o\)\+\>"
syn match   aioNumber        "\<0[bB]\%(_\=[01]\)\+\>"
syn match   aioNumber        "\<\%(0\%(_\=0\)*\|[1-9]\%(_\=\d\)*\)\>"
syn match   aioFloat         "\<\d\%(_\=\d\)*\.\%(\d\%(_\=\d\)*\)\=\%([eE][+-]\=\d\%(_\=\d\)*\)\=\%(\w\|\.\)\@!"
syn match   aioFloat         "\%(\w\|\.\)\@1<!\.\d\%(_\=\d\)*\%([eE][+-]\=\d\%(_\=\d\)*\)\=\>"
syn match   aioFloat         "\<\d\%(_\=\d\)*[eE][+-]\=\d\%(_\=\d\)*\>"

" Escapes. Bytes take no \N{...}, \u or \U.
syn match   aioEscape        +\\[\\'"abfnrtv]+ contained
syn match   aioEscape        "\\\o\{1,3}" contained
syn match   aioEscape        "\\x\x\{2}" contained
syn match   aioEscape        "\\$" contained
syn match   aioUnicodeEscape "\\u\x\{4}" contained
syn match   aioUnicodeEscape "\\U\x\{8}" contained
syn match   aioUnicodeEscape "\\N{[^}]\+}" contained
syn cluster aioStrEscapes    contains=aioEscape,aioUnicodeEscape

" Strings: one region per prefix family, each for ''' """ ' and ".
" Single-quoted strings end at an unescaped line end (unterminated).
" Raw strings: a backslash keeps the next quote from ending the string.
let s:quotes_multi = '\z(''''''\|"""\)'
let s:quotes_one = '\z([''"]\)'
function! s:StringRegions(group, prefix, contains) abort
  " Both kinds skip an escaped quote: in a raw string the backslash stays in
  " the value, but it still keeps the quote from ending the string.
  let l:skip = ' skip=+\\\\\|\\\z1+'
  let l:cont = empty(a:contains) ? '' : ' contains=' . a:contains
  execute 'syn region ' . a:group . ' matchgroup=' . a:group . 'Delim'
        \ . ' start=+\%(\w\)\@1<!' . a:prefix . s:quotes_one . '+'
        \ . ' end=+\z1\|\\\@1<!$+' . l:skip . ' keepend' . l:cont
  execute 'syn region ' . a:group . ' matchgroup=' . a:group . 'Delim'
        \ . ' start=+\%(\w\)\@1<!' . a:prefix . s:quotes_multi . '+'
        \ . ' end=+\z1+' . l:skip . ' keepend' . l:cont
endfunction

call s:StringRegions('aioString', '\%([uU]\)\=', '@aioStrEscapes,@Spell')
call s:StringRegions('aioRawString', '[rR]', '@Spell')
call s:StringRegions('aioBytes', '[bB]', 'aioEscape')
call s:StringRegions('aioBytes', '\%([bB][rR]\|[rR][bB]\)', '')
call s:StringRegions('aioFString', '[fF]', '@aioStrEscapes,aioFStringBrace,aioFStringField,@Spell')
call s:StringRegions('aioFString', '\%([fF][rR]\|[rR][fF]\)', 'aioFStringBrace,aioFStringField,@Spell')
delfunction s:StringRegions

" f-string replacement fields are code: they contain the expression groups.
" Inside, brackets nest so that a `:` in a slice is not the format spec; the
" spec (after a top-level `:`) may itself hold nested fields.
syn cluster aioExpr contains=aioStatement,aioConditional,aioRepeat,aioOperator,aioAsync,
      \aioConstant,aioSelf,aioBuiltin,aioAsyncBuiltin,aioExceptionName,aioNumber,aioFloat,
      \aioString,aioRawString,aioBytes,aioFString,aioFStringNest
syn region  aioFStringField  matchgroup=aioFStringFieldDelim start=+{+ end=+}+ contained
      \ contains=@aioExpr,aioFStringConv,aioFormatSpec
syn region  aioFStringNest   start=+[[({]+ end=+[])}]+ contained transparent contains=@aioExpr
syn match   aioFStringConv   "![rsa]\ze\s*[:}]" contained
syn region  aioFormatSpec    matchgroup=aioFormatSpecDelim start=+:=\@!+ end=+\ze}+ contained
      \ contains=aioFStringField
syn match   aioFStringBrace  "{{\|}}" contained

hi def link aioStatement      Statement
hi def link aioConditional    Conditional
hi def link aioRepeat         Repeat
hi def link aioException      Exception
hi def link aioInclude        Include
hi def link aioOperator       Operator
hi def link aioAsync          Statement
hi def link aioConstant       Constant
hi def link aioSelf           Identifier
hi def link aioFunction       Function
hi def link aioClass          Type
hi def link aioBuiltin        Function
hi def link aioAsyncBuiltin   Function
hi def link aioExceptionName  Structure
hi def link aioDecorator      Define
hi def link aioComment        Comment
hi def link aioTodo           Todo
hi def link aioNumber         Number
hi def link aioFloat          Float
hi def link aioEscape         Special
hi def link aioUnicodeEscape  Special
hi def link aioString         String
hi def link aioStringDelim    String
hi def link aioRawString      String
hi def link aioRawStringDelim String
hi def link aioBytes          String
hi def link aioBytesDelim     String
hi def link aioFString        String
hi def link aioFStringDelim   String
hi def link aioFStringBrace   Special
hi def link aioFStringFieldDelim Special
hi def link aioFStringConv    Special
hi def link aioFormatSpec     Special
hi def link aioFormatSpecDelim Special

let b:current_syntax = 'aio'

let &cpo = s:cpo_save
unlet s:cpo_save
