" ftdetect for aio: *.aio files, and files whose first line is a shebang
" that runs aio (#!/usr/bin/env aio, #!/usr/local/bin/aio ...).
autocmd BufNewFile,BufRead *.aio setfiletype aio
autocmd BufNewFile,BufRead * if !did_filetype() && getline(1) =~# '^#!.*[/ ]aio\%(\s\|$\)' | setfiletype aio | endif
