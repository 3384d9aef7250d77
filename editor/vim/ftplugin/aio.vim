" Vim filetype plugin for aio: comments, 4-space indentation, and `:make`
" running `aio check %` (see compiler/aio.vim). With g:aio_check_on_save set
" to 1, every write runs the check and opens the quickfix window on errors.

if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=#\ %s
setlocal comments=b:#,fb:-
setlocal expandtab shiftwidth=4 softtabstop=4 tabstop=8
setlocal suffixesadd=.aio
setlocal iskeyword=@,48-57,_,192-255
setlocal formatoptions-=t formatoptions+=croql

compiler aio

let b:undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< tabstop<'
      \ . ' suffixesadd< iskeyword< formatoptions< makeprg< errorformat<'
      \ . ' | unlet! b:current_compiler'
      \ . ' | silent! autocmd! aio_check_on_save * <buffer>'

" On-save checking: `:make!` (no jump to the first error), then show the
" quickfix window only when there are errors.
if get(g:, 'aio_check_on_save', 0)
  augroup aio_check_on_save
    autocmd! * <buffer>
    autocmd BufWritePost <buffer> silent make! | cwindow | redraw!
  augroup END
endif

let &cpo = s:cpo_save
unlet s:cpo_save
