/* write to a file descriptor other than stdout and stderr returns -EBADF (-9) and writes nothing.
 * fd 0 is included: the harness runs guests with stdin read-only (/dev/null), so qemu-user gives
 * -EBADF there too. fds 3 and up may be open in qemu's own process, so large ones are used. A
 * zero-length write to stdout returns 0. */
#include "cw_asm.h"

.macro WRITE fd, len
    li a0, \fd
    la a1, text
    li a2, \len
    li a7, 64
    ecall
    mv s2, a0
    SHOW_INT "write(\fd, \len) -> ", s2
.endm

CW_FUNC main
    WRITE 0, 4
    WRITE 1000, 4
    WRITE 65535, 4
    WRITE -1, 4
    WRITE 1, 0
    WRITE 1, 4
    PUTS "\n"
    li a0, 0
    CW_RET

    .section .rodata
text:
    .ascii "text"
