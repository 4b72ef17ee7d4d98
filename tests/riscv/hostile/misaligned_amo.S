/* An AMO on a misaligned address: plain loads and stores may be misaligned on Linux, atomics may
 * not; qemu-user dies of SIGBUS. Expected: exit status 135. cw-targets: rv32imac rv64imac */
#include "cw_asm.h"

CW_FUNC main
    PUTS "amoadd.w on buf+1\n"
    la t0, cw_misaligned_buf
    addi t0, t0, 1
    li t1, 5
    amoadd.w a0, t1, (t0)
    PUTS "not reached\n"
    li a0, 0
    CW_RET

    .data
    .balign 8
cw_misaligned_buf:
    .dword 0, 0
