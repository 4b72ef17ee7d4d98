/* Base-ISA corners that compilers rarely produce: jalr clearing bit 0 of its target, jalr with
 * rd == rs1 (the target comes from the old value), writes to x0 being discarded (including by a
 * load), auipc arithmetic, lui sign extension, sltiu against -1, branches on x0, and an ecall
 * preserving every register except a0. */
#include "cw_asm.h"

CW_FUNC main
    /* jalr ignores bit 0 of rs1 + imm. */
    la t0, target_a
    addi t0, t0, 1
    jalr ra, 0(t0)
    mv s2, a0
    SHOW_INT "jalr with odd target: ", s2

    /* jalr with an offset, and rd == rs1: the link must not disturb the computation. */
    la t0, target_b + 8
    jalr t0, -8(t0)
    mv s2, a0
    SHOW_INT "jalr rd == rs1: ", s2

    /* x0 stays 0 whatever is written to it. */
    addi x0, x0, 5
    lui x0, 0x12345
    la t1, word
    lw x0, 0(t1)               /* the load still happens, the value goes nowhere */
    add s2, x0, x0
    SHOW_INT "x0 after writes: ", s2

    /* auipc: consecutive auipc 0 differ by the instruction size (4: auipc has no short form). */
    auipc s2, 0
    auipc s3, 0
    sub s2, s3, s2
    SHOW_INT "auipc difference: ", s2

    /* lui sets bits 31:12 and, on RV64, sign-extends bit 31. */
    lui s2, 0x80000
    SHOW_HEX "lui 0x80000: ", s2
    lui s2, 0xfffff
    SHOW_INT "lui 0xfffff: ", s2

    /* sltiu x, -1 is 1 for every x but all-ones; slti x, 0 is the sign. */
    li t0, -2
    sltiu s2, t0, -1
    li t0, -1
    sltiu s3, t0, -1
    slti s4, t0, 0
    slli s2, s2, 2
    slli s3, s3, 1
    or s2, s2, s3
    or s2, s2, s4
    SHOW_INT "sltiu/slti bits: ", s2

    /* Branches against x0, and with both operands the same register. */
    li s2, 0
    li t0, -1
    bltz t0, 1f
    ori s2, s2, 1
1:  bgez t0, 2f
    ori s2, s2, 2
2:  bltu x0, t0, 3f
    ori s2, s2, 4
3:  bge t0, t0, 4f
    ori s2, s2, 8
4:  blt t0, t0, 5f
    ori s2, s2, 16
5:  bgtz x0, 6f
    ori s2, s2, 32
6:  SHOW_INT "branch mask: ", s2

    /* An ecall clobbers a0 only: every other register must come back as it went in. */
    li s2, 0x5a5a0001
    li s3, 0x5a5a0002
    li s4, 0x5a5a0003
    li s5, 0x5a5a0004
    li s6, 0x5a5a0005
    li s7, 0x5a5a0006
    li s8, 0x5a5a0007
    li s9, 0x5a5a0008
    li s10, 0x5a5a0009
    li t0, 0x1234567
    li t1, 0x1234568
    li t2, 0x1234569
    li t3, 0x123456a
    li t4, 0x123456b
    li t5, 0x123456c
    li t6, 0x123456d
    li a0, 1
    la a1, hello
    li a2, 6
    li a3, 0x3333
    li a4, 0x4444
    li a5, 0x5555
    li a6, 0x6666
    li a7, 64
    mv s0, gp
    mv s1, tp
    ecall
    li s11, 0
    li ra, 0x1234567
    bne t0, ra, 9f
    li ra, 0x1234568
    bne t1, ra, 9f
    li ra, 0x1234569
    bne t2, ra, 9f
    li ra, 0x123456a
    bne t3, ra, 9f
    li ra, 0x123456b
    bne t4, ra, 9f
    li ra, 0x123456c
    bne t5, ra, 9f
    li ra, 0x123456d
    bne t6, ra, 9f
    la ra, hello
    bne a1, ra, 9f
    li ra, 6
    bne a2, ra, 9f
    li ra, 0x3333
    bne a3, ra, 9f
    li ra, 0x4444
    bne a4, ra, 9f
    li ra, 0x5555
    bne a5, ra, 9f
    li ra, 0x6666
    bne a6, ra, 9f
    li ra, 64
    bne a7, ra, 9f
    bne s0, gp, 9f
    bne s1, tp, 9f
    li ra, 0x5a5a0001
    bne s2, ra, 9f
    li ra, 0x5a5a0009
    bne s10, ra, 9f
    li s11, 1
9:  mv s2, s11
    SHOW_INT "registers preserved across ecall: ", s2

#if __riscv_xlen == 64
    /* Word shifts by immediate work on the low 32 bits and sign-extend. */
    li t0, 0x00000001f0000000
    slliw s2, t0, 3
    srliw s3, t0, 4
    sraiw s4, t0, 4
    addiw s5, t0, 0
    SHOW_HEX "slliw: ", s2
    SHOW_HEX "srliw: ", s3
    SHOW_HEX "sraiw: ", s4
    SHOW_HEX "sext.w: ", s5
#endif
    li a0, 0
    CW_RET

    .balign 4
target_a:
    li a0, 77
    ret

target_b: /* returns through t0, the link register of its caller */
    li a0, 88
    jr t0

    .section .rodata
hello:
    .ascii "hello\n"
    .balign 4
word:
    .word 0xdeadbeef
