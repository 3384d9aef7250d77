" lib.vim - the headless Vim test harness for editor/vim. Each check appends
" "ok NAME" or "not ok NAME: why" to g:aio_test_out (a file run.sh reads).
" Started as: vim -es -N -u NONE -i NONE --cmd 'set rtp^=editor/vim' -S lib.vim
"             -c 'call AioTest<Kind>(...)' -c 'qa!'

set nocompatible
filetype plugin indent on
syntax on
set noswapfile nobackup nowritebackup shortmess+=I

let s:results = []

function! s:Report(ok, name, why) abort
  call add(s:results, a:ok ? 'ok ' . a:name : 'not ok ' . a:name . ': ' . a:why)
endfunction

function! AioTestFlush() abort
  call writefile(s:results, g:aio_test_out, 'a')
  let s:results = []
endfunction

" Syntax assertions. In the test file a comment line of carets asserts the
" group at those columns of the nearest line above that is not an assertion:
"     x = 0x1F
"     #   ^^^^ aioNumber
" `# <- GROUP` asserts the column of the `#`; `!GROUP` asserts any other group.
function! AioTestSyntax(file) abort
  execute 'edit ' . fnameescape(a:file)
  let l:target = 0
  let l:count = 0
  for l:lnum in range(1, line('$'))
    let l:text = getline(l:lnum)
    let l:m = matchlist(l:text, '^\(\s*#\s*\)\(\^\+\|<-\)\s\+\(!\=\)\(\w\+\)\s*$')
    if empty(l:m)
      let l:target = l:lnum
      continue
    endif
    if l:m[2] ==# '<-'
      let l:cols = [stridx(l:text, '#') + 1]
    else
      let l:first = len(l:m[1]) + 1
      let l:cols = range(l:first, l:first + len(l:m[2]) - 1)
    endif
    for l:col in l:cols
      let l:name = synIDattr(synID(l:target, l:col, 1), 'name')
      let l:ok = l:m[3] ==# '!' ? l:name !=# l:m[4] : l:name ==# l:m[4]
      let l:count += 1
      if !l:ok
        call s:Report(0, printf('syntax %s:%d:%d', fnamemodify(a:file, ':t'), l:target, l:col),
              \ printf('expected %s%s, got "%s" in: %s', l:m[3], l:m[4], l:name, getline(l:target)))
      endif
    endfor
  endfor
  call s:Report(l:count > 0, printf('syntax %s (%d assertions)', fnamemodify(a:file, ':t'), l:count),
        \ 'no assertions found')
  bwipeout!
  call AioTestFlush()
endfunction

" Re-indenting a well-formed file (gg=G) must leave it unchanged.
function! AioTestReindent(file) abort
  execute 'edit ' . fnameescape(a:file)
  let l:before = getline(1, '$')
  silent normal! gg=G
  let l:after = getline(1, '$')
  let l:diffs = []
  for l:i in range(len(l:before))
    if l:before[l:i] !=# l:after[l:i]
      call add(l:diffs, printf('line %d: "%s" became "%s"', l:i + 1, l:before[l:i], l:after[l:i]))
    endif
  endfor
  call s:Report(empty(l:diffs), 'reindent ' . fnamemodify(a:file, ':t'), join(l:diffs[:4], '; '))
  bwipeout!
  call AioTestFlush()
endfunction

" Typed-in sequences: keys typed in Insert mode into an empty aio buffer.
" Each case in the file is `keys` (with \<CR> etc. as in a Vim string) then
" the expected lines, with `|` standing for the start of each line, ending
" at a blank line.
function! AioTestTyping(file) abort
  let l:lines = readfile(a:file)
  let l:i = 0
  while l:i < len(l:lines)
    if l:lines[l:i] =~# '^\s*\%(#.*\)\=$'
      let l:i += 1
      continue
    endif
    let l:keys = l:lines[l:i]
    let l:expected = []
    let l:i += 1
    while l:i < len(l:lines) && l:lines[l:i] =~# '^|'
      call add(l:expected, l:lines[l:i][1:])
      let l:i += 1
    endwhile
    enew!
    setfiletype aio
    execute 'normal! i' . eval('"' . escape(l:keys, '"') . '"')
    let l:got = getline(1, '$')
    call s:Report(l:got ==# l:expected, 'typing ' . l:keys,
          \ 'expected ' . string(l:expected) . ', got ' . string(l:got))
    bwipeout!
  endwhile
  call AioTestFlush()
endfunction

" Settings of the ftplugin and ftdetect.
function! AioTestFtplugin(dir) abort
  execute 'edit ' . fnameescape(a:dir . '/samples/async.aio')
  call s:Report(&filetype ==# 'aio', 'ftdetect *.aio', 'filetype is ' . &filetype)
  call s:Report(&commentstring ==# '# %s', 'commentstring', &commentstring)
  call s:Report(&shiftwidth == 4 && &softtabstop == 4 && &expandtab, '4-space indent',
        \ printf('sw=%d sts=%d et=%d', &shiftwidth, &softtabstop, &expandtab))
  call s:Report(&makeprg =~# '^aio check %', 'makeprg', &makeprg)
  " The errorformat keeps the message lines and drops source and caret lines.
  let l:lines = ['prog.aio:3:5: error: invalid syntax', '    x = = 1', '        ^',
        \ 'other.aio:10:1: error: name expected']
  let l:all = getqflist({'lines': l:lines, 'efm': &l:errorformat}).items
  let l:qf = filter(copy(l:all), 'v:val.valid')
  let l:first = get(l:qf, 0, {})
  call s:Report(len(l:qf) == 2 && get(l:first, 'lnum') == 3 && get(l:first, 'col') == 5
        \ && get(l:first, 'text') ==# 'invalid syntax' && get(l:first, 'type') ==# 'e'
        \ && bufname(get(l:first, 'bufnr', 0)) ==# 'prog.aio',
        \ 'errorformat', string(l:all))
  bwipeout!
  " A file without the .aio extension whose first line is an aio shebang.
  let l:tmp = tempname()
  call writefile(['#!/usr/bin/env aio', 'print(1)'], l:tmp)
  execute 'edit ' . fnameescape(l:tmp)
  call s:Report(&filetype ==# 'aio', 'ftdetect shebang', 'filetype is "' . &filetype . '"')
  bwipeout!
  call writefile(['#!/bin/sh', 'echo aio'], l:tmp)
  execute 'edit ' . fnameescape(l:tmp)
  call s:Report(&filetype !=# 'aio', 'ftdetect ignores other shebangs', 'filetype is "' . &filetype . '"')
  bwipeout!
  call delete(l:tmp)
  call AioTestFlush()
endfunction

" On-save checking: g:aio_check_on_save runs g:aio_executable on write and
" fills the quickfix list. exe is a program that behaves like `aio check`.
function! AioTestCheckOnSave(exe, name) abort
  let g:aio_check_on_save = 1
  let g:aio_executable = a:exe
  let l:tmp = tempname() . '.aio'
  call writefile(['def f():', '    return 1 +', ''], l:tmp)
  execute 'edit ' . fnameescape(l:tmp)
  call setqflist([])
  silent write
  let l:qf = filter(getqflist(), 'v:val.valid')
  let l:first = get(l:qf, 0, {})
  call s:Report(len(l:qf) >= 1 && get(l:first, 'lnum') == 2 && get(l:first, 'bufnr') == bufnr('%'),
        \ 'check on save (' . a:name . ')', string(getqflist()))
  bwipeout!
  call delete(l:tmp)
  unlet g:aio_check_on_save g:aio_executable
  call AioTestFlush()
endfunction
