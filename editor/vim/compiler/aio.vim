" Vim compiler file for aio: `:make` runs `aio check` on the current file
" and reads its `file:line:col: error: message` lines into the quickfix list.
" The source line and caret line that follow each message are dropped.
" g:aio_executable (default "aio") names the program.

if exists('current_compiler')
  finish
endif
let current_compiler = 'aio'

let s:cpo_save = &cpo
set cpo&vim

execute 'CompilerSet makeprg=' . escape(get(g:, 'aio_executable', 'aio'), ' \|"') . '\ check\ %:S'
CompilerSet errorformat=%f:%l:%c:\ %trror:\ %m,%f:%l:%c:\ %tarning:\ %m,%-G%.%#

let &cpo = s:cpo_save
unlet s:cpo_save
