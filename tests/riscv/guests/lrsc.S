/* lr/sc corner cases, as qemu-user runs them (a single hart): sc after lr with rd == rs1; sc to
 * another address; sc without lr; a store of a different value between lr and sc (qemu's sc is a
 * compare-and-swap with the value lr loaded, so it fails); a store of the same value (succeeds).
 * Prints each sc's result and the memory word. cw-targets: rv32imac rv64imac */
#include "cw_asm.h"

CW_FUNC main
    la s0, cw_lrsc_word
    li t1, 7
    sw t1, 0(s0)

    /* lr with rd == rs1, then sc to the same address: succeeds (0) */
    mv a3, s0
    lr.w a3, (a3)
    li t2, 11
    sc.w a4, t2, (s0)
    SHOW_INT "a41 ", a4
    lw a5, 0(s0)
    SHOW_INT "a52 ", a5

    /* sc to another address than the reserved one: fails (1) */
    lr.w a3, (s0)
    addi t3, s0, 4
    sc.w a4, t2, (t3)
    SHOW_INT "a43 ", a4

    /* sc without a reservation: fails (1) */
    sc.w a4, t2, (s0)
    SHOW_INT "a44 ", a4

    /* a different value stored between lr and sc: qemu fails the sc (1), memory keeps 99 */
    lr.w a3, (s0)
    li t4, 99
    sw t4, 0(s0)
    li t2, 12
    sc.w a4, t2, (s0)
    SHOW_INT "a45 ", a4
    lw a5, 0(s0)
    SHOW_INT "a56 ", a5

    /* the same value stored again between lr and sc: succeeds (0), memory gets 13 */
    lr.w a3, (s0)
    sw a3, 0(s0)
    li t2, 13
    sc.w a4, t2, (s0)
    SHOW_INT "a47 ", a4
    lw a5, 0(s0)
    SHOW_INT "a58 ", a5
    li a0, 0
    CW_RET

    .data
    .balign 8
cw_lrsc_word:
    .word 0, 0
