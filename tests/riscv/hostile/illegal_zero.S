/* An all-zero instruction word: defined to be illegal in both the 16-bit (c.unimp) and the
 * 32-bit encodings, so that execution of zeroed memory traps. Expected: SIGILL. */
#include "cw_asm.h"

CW_FUNC main
    PUTS "executing .word 0\n"
    .word 0
    PUTS "not reached\n"
    li a0, 0
    CW_RET
