/* astdump.h - debug printer for the syntax tree (ast.h), one node per line
 * with its line:col, indented by depth. For compiler debugging and tests. */
#ifndef AIO_ASTDUMP_H
#define AIO_ASTDUMP_H

#include "ast.h"
#include "buf.h"

void ast_dump_module(const AstModule *m, Buf *out);

#endif
