/* An all-ones word: a reserved encoding (instruction length >= 192 bits). Expected: SIGILL. */
#include "cw_asm.h"

CW_FUNC main
    PUTS "executing .word 0xffffffff\n"
    .word 0xffffffff
    PUTS "not reached\n"
    li a0, 0
    CW_RET
