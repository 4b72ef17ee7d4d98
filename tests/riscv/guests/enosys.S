/* System calls the runtime does not implement return -ENOSYS (-38) and the program goes on. The
 * numbers are chosen to be unknown to Linux too, so qemu-user gives the same answer: 999 and 4095
 * are beyond the RISC-V table, 244 is the first arch-specific slot (unused on RISC-V), and -1 is
 * what a corrupted a7 looks like. (Linux calls qemu implements but Causeway does not, such as
 * getpid, are deliberately not used: there the two would differ.) */
#include "cw_asm.h"

.macro TRY number
    li a0, 11
    li a1, 22
    li a2, 33
    li a7, \number
    ecall
    mv s2, a0
    SHOW_INT "syscall \number -> ", s2
.endm

CW_FUNC main
    TRY 999
    TRY 4095
    TRY 244
    TRY -1
    li a0, 0
    CW_RET
