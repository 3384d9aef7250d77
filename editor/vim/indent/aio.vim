" Vim indent file for aio (Python 3 syntax).
" Owns: GetAioIndent() and its helpers. Indentation is meaning in aio, so
" where the code does not say how far to dedent (after an ordinary statement)
" the indenter trusts a line that is already dedented and never indents it
" back; it only decides where the syntax does: after `:`, after
" return/pass/break/continue/raise, for elif/else/except/finally, and inside
" brackets.

if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal nolisp
setlocal autoindent
setlocal indentexpr=GetAioIndent(v:lnum)
setlocal indentkeys=!^F,o,O,<:>,0),0],0},=elif,=except

let b:undo_indent = 'setlocal autoindent< indentexpr< indentkeys< lisp<'

if exists('*GetAioIndent')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" Lines scanned backwards for an open bracket or a block opener.
let s:maxoff = 50
" Masked lines (see s:MaskLine) by line number, for one bracket search.
let s:mask_cache = {}

" The line with every string byte replaced by "x" and every comment byte by
" a space, so columns still match and the brackets and colons left are code.
" One regex pass, because synID() is slow while a buffer is being
" re-indented. Strings spanning lines are handled by the callers through
" s:InMultilineString().
let s:mask_pattern = '\v("""|'''''')%(.{-})%(\1|$)|"%([^"\\]|\\.)*%("|$)|''%([^''\\]|\\.)*%(''|$)|#.*'
function! s:MaskLine(text) abort
  if a:text !~# '["''#]'
    return a:text
  endif
  return substitute(a:text, s:mask_pattern,
        \ '\=repeat(submatch(0)[0] ==# "#" ? " " : "x", len(submatch(0)))', 'g')
endfunction

" The skip test for searchpairpos(): a bracket in a string or comment, or on
" a line that starts inside a multi-line string, is not code.
function! s:SkipBracket() abort
  let l:lnum = line('.')
  if !has_key(s:mask_cache, l:lnum)
    let l:text = getline(l:lnum)
    let s:mask_cache[l:lnum] = l:text !~# '["''#]' ? l:text
          \ : s:InMultilineString(l:lnum) ? '' : s:MaskLine(l:text)
  endif
  return s:mask_cache[l:lnum][col('.') - 1] !~# '[][(){}]'
endfunction

" The position [lnum, col] of the innermost bracket open at the start of
" line lnum, or [0, 0].
function! s:OpenBracket(lnum) abort
  let l:save = getcurpos()
  let s:mask_cache = {}
  call cursor(a:lnum, 1)
  let l:pos = searchpairpos('[[({]', '', '[])}]', 'bnW',
        \ 's:SkipBracket()', max([1, a:lnum - s:maxoff]))
  call setpos('.', l:save)
  return l:pos
endfunction

" True when line lnum ends with a backslash that continues it.
function! s:Continued(lnum) abort
  return s:MaskLine(getline(a:lnum)) =~# '\\$'
endfunction

" The first line of the logical line that contains lnum: follows brackets
" and backslash continuations back to where the statement starts.
function! s:StatementStart(lnum) abort
  let l:lnum = a:lnum
  while l:lnum > 1
    let l:open = s:OpenBracket(l:lnum)
    if l:open[0] > 0
      let l:lnum = l:open[0]
    elseif s:Continued(l:lnum - 1)
      let l:lnum -= 1
    else
      break
    endif
  endwhile
  return l:lnum
endfunction

" The previous line that holds code (not blank, not only a comment).
function! s:PrevCodeLine(lnum) abort
  let l:lnum = prevnonblank(a:lnum - 1)
  while l:lnum > 0 && getline(l:lnum) =~# '^\s*#'
    let l:lnum = prevnonblank(l:lnum - 1)
  endwhile
  return l:lnum
endfunction

" True when line lnum ends (before any comment) with a `:` that is code.
function! s:EndsWithColon(lnum) abort
  return s:MaskLine(getline(a:lnum)) =~# ':\s*$'
endfunction

" True when line lnum starts inside a string that began on an earlier line.
function! s:InMultilineString(lnum) abort
  let l:names = map(synstack(a:lnum, 1), 'synIDattr(v:val, "name")')
  if match(l:names, '^aio\%(String\|RawString\|Bytes\|FString\)$') < 0
    return 0
  endif
  " Text at column 1 is either inside the string or its opening quote.
  return getline(a:lnum) =~# '^\s' || synIDattr(synID(a:lnum, 1, 0), 'name') !~# 'Delim$'
endfunction

" The openers an elif/else/except/finally line may line up with.
let s:openers = {
      \ 'elif': '\%(if\|elif\)',
      \ 'else': '\%(if\|elif\|for\|while\|try\|except\|async\s\+for\)',
      \ 'except': '\%(try\|except\)',
      \ 'finally': '\%(try\|except\|else\)',
      \ }

" Indent for an elif/else/except/finally line: the indent of the matching
" opener. Of the openers that enclose the previous lines (innermost first),
" take the first one not deeper than the line is now, so that re-indenting
" keeps the user's choice where nested blocks make several possible.
function! s:ClauseIndent(lnum, word) abort
  let l:pattern = '^\s*' . s:openers[a:word] . '\>'
  let l:cur = indent(a:lnum)
  let l:minind = indent(a:lnum) + 1000
  let l:found = -1
  let l:lnum = s:PrevCodeLine(a:lnum)
  let l:stop = max([1, a:lnum - s:maxoff])
  while l:lnum >= l:stop
    let l:start = s:StatementStart(l:lnum)
    let l:ind = indent(l:start)
    if l:ind < l:minind
      let l:minind = l:ind
      if getline(l:start) =~# l:pattern
        if l:ind <= l:cur
          return l:ind
        endif
        let l:found = l:ind
      endif
    endif
    if l:ind == 0
      break
    endif
    let l:lnum = s:PrevCodeLine(l:start)
    if l:lnum == 0
      break
    endif
  endwhile
  return l:found
endfunction

function! GetAioIndent(lnum) abort
  let l:sw = shiftwidth()
  let l:line = getline(a:lnum)

  " Inside a multi-line string: leave the text alone.
  if s:InMultilineString(a:lnum)
    return -1
  endif

  " Inside brackets: a closing bracket lines up with the line that opened it;
  " other lines align after the open bracket when it has text after it, else
  " indent one level from the opening line.
  let l:open = s:OpenBracket(a:lnum)
  if l:open[0] > 0
    let l:openline = getline(l:open[0])
    if l:line =~# '^\s*[])}]'
      return indent(l:open[0])
    endif
    let l:after = strpart(l:openline, l:open[1])
    if l:after =~# '^\s*\%(#.*\)\=$'
      return indent(l:open[0]) + l:sw
    endif
    return strdisplaywidth(strpart(l:openline, 0, l:open[1]))
  endif

  let l:plnum = s:PrevCodeLine(a:lnum)
  if l:plnum == 0
    return 0
  endif

  " A backslash continuation: one level in from the statement's first line.
  if a:lnum > 1 && s:Continued(a:lnum - 1)
    let l:start = s:StatementStart(a:lnum - 1)
    return l:start == a:lnum - 1 ? indent(l:start) + l:sw : indent(a:lnum - 1)
  endif

  let l:word = matchstr(l:line, '^\s*\zs\%(elif\|else\|except\|finally\)\>')
  if l:word !=# ''
    return s:ClauseIndent(a:lnum, l:word)
  endif

  let l:start = s:StatementStart(l:plnum)
  let l:ind = indent(l:start)
  if s:EndsWithColon(l:plnum)
    return l:ind + l:sw
  endif
  if getline(l:start) =~# '^\s*\%(return\|pass\|break\|continue\|raise\)\>'
    let l:ind = max([0, l:ind - l:sw])
  endif
  " Dedented already (the end of a block): trust it.
  if indent(a:lnum) < l:ind && indent(a:lnum) % l:sw == 0
    return -1
  endif
  return l:ind
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save
