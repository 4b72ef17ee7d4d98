/* The assembler's `unimp`: c.unimp (0x0000) with C, otherwise `csrrw x0, cycle, x0` (0xc0001073),
 * a write to a read-only CSR. Either way: SIGILL. */
#include "cw_asm.h"

CW_FUNC main
    PUTS "executing unimp\n"
    unimp
    PUTS "not reached\n"
    li a0, 0
    CW_RET
