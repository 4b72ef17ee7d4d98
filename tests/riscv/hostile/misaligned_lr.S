/* lr.w on a misaligned address: qemu-user dies of SIGBUS. Expected: exit status 135.
 * cw-targets: rv32imac rv64imac */
#include "cw_asm.h"

CW_FUNC main
    PUTS "lr.w on buf+2\n"
    la t0, cw_misaligned_buf
    addi t0, t0, 2
    lr.w a0, (t0)
    PUTS "not reached\n"
    li a0, 0
    CW_RET

    .data
    .balign 8
cw_misaligned_buf:
    .dword 0, 0
