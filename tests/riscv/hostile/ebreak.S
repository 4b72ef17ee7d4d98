/* ebreak outside a debugger: Linux delivers SIGTRAP. Expected: exit status 133. */
#include "cw_asm.h"

CW_FUNC main
    PUTS "executing ebreak\n"
    ebreak
    PUTS "not reached\n"
    li a0, 0
    CW_RET
