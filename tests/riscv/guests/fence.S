/* Memory-ordering instructions, which a single-hart VM may treat as no-ops but must decode:
 * fence with assorted predecessor/successor sets, fence.tso, and the pause hint (an encoding of
 * fence with pred=W, succ=0). fence.i is Zifencei, not part of IMAC, so it is not used. */
#include "cw_asm.h"

CW_FUNC main
    la s0, cell
    li t0, 1
    sw t0, 0(s0)
    fence
    fence rw, rw
    fence r, r
    fence w, w
    fence r, rw
    fence rw, w
    fence iorw, iorw
    fence io, io
    fence.tso
    .word 0x0100000f           /* pause */
    lw s2, 0(s0)
    addi s2, s2, 41
    fence w, r
    sw s2, 0(s0)
    fence
    lw s2, 0(s0)
    SHOW_INT "value after fences: ", s2
    li a0, 0
    CW_RET

    .data
    .balign 4
cell:
    .word 0
