/* The C extension, instruction by instruction (explicit c.* mnemonics, so the assembler cannot
 * choose), including 32-bit instructions at addresses that are only 2-byte aligned, a branch
 * target at such an address, and a 32-bit instruction straddling a 4 KiB page boundary: the cases
 * a decoder that assumes 4-byte instructions or page-local fetches gets wrong.
 * cw-targets: rv32imac rv64imac */
#include "cw_asm.h"

CW_FUNC main
    /* --- constants and additions --- */
    c.li a0, -32
    c.li a1, 31
    c.lui a2, 0xfffff          /* a2 = -4096 */
    c.lui a3, 1                /* a3 = 4096 */
    c.addi a0, 5               /* -27 */
    c.addi a1, -1              /* 30 */
    c.mv a4, a2
    c.add a4, a3               /* 0 */
    c.addi a4, 17              /* 17 */
    c.nop
    c.mv s2, a0
    c.mv s3, a1
    c.mv s4, a2
    c.mv s5, a4
    SHOW_INT "c.li/c.addi: ", s2
    SHOW_INT "c.li/c.addi: ", s3
    SHOW_INT "c.lui: ", s4
    SHOW_INT "c.mv/c.add/c.addi: ", s5

    /* --- stack-pointer forms --- */
    c.addi16sp sp, -64
    c.addi4spn a5, sp, 24      /* a5 = sp + 24 */
    c.mv s1, sp
    c.sub a5, s1               /* 24 */
    c.mv s2, a5
    c.addi16sp sp, 64
    SHOW_INT "c.addi16sp/c.addi4spn: ", s2

    /* --- register-register and immediate ALU --- */
    li s0, 0x12345678
    c.mv a0, s0
    c.li a1, 0x0f
    c.and a0, a1               /* 0x8 */
    c.mv s2, a0
    c.mv a0, s0
    c.andi a0, -16             /* 0x12345670 */
    c.mv s3, a0
    c.mv a0, s0
    c.or a0, a1                /* 0x1234567f */
    c.mv s4, a0
    c.mv a0, s0
    c.xor a0, a1               /* 0x12345677 */
    c.mv s5, a0
    c.mv a0, s0
    c.sub a0, a1               /* 0x12345669 */
    c.mv s6, a0
    SHOW_HEX "c.and: ", s2
    SHOW_HEX "c.andi: ", s3
    SHOW_HEX "c.or: ", s4
    SHOW_HEX "c.xor: ", s5
    SHOW_HEX "c.sub: ", s6

    /* --- shifts --- */
    li s0, -256
    c.mv a0, s0
    c.srli a0, 4               /* logical: large positive */
    c.mv s2, a0
    c.mv a0, s0
    c.srai a0, 4               /* arithmetic: -16 */
    c.mv s3, a0
    c.mv a0, s0
    c.slli a0, 3               /* -2048 */
    c.mv s4, a0
    c.li a0, 1
    c.slli a0, 31              /* the largest shift RV32 allows */
    c.mv s5, a0
    SHOW_HEX "c.srli: ", s2
    SHOW_INT "c.srai: ", s3
    SHOW_INT "c.slli: ", s4
    SHOW_HEX "c.slli 31: ", s5

    /* --- loads and stores --- */
    la s1, scratch
    li a0, 0x11223344
    c.sw a0, 0(s1)
    li a0, -5
    c.sw a0, 124(s1)           /* the largest c.sw offset */
    c.lw a1, 0(s1)
    c.lw a2, 124(s1)
    c.mv s2, a1
    c.mv s3, a2
    c.addi16sp sp, -256
    li a0, 0x5a5a
    c.swsp a0, 252(sp)         /* the largest c.swsp offset */
    c.lwsp a3, 252(sp)
    c.mv s4, a3
    c.addi16sp sp, 256
    SHOW_HEX "c.sw/c.lw: ", s2
    SHOW_INT "c.sw/c.lw 124: ", s3
    SHOW_HEX "c.swsp/c.lwsp 252: ", s4
#if __riscv_xlen == 64
    li a0, 0x0123456789abcdef
    c.sd a0, 8(s1)
    c.ld a1, 8(s1)
    c.lw a2, 12(s1)            /* upper half of the dword, sign-extended */
    c.mv s2, a1
    c.mv s3, a2
    c.addi16sp sp, -512
    c.sdsp a0, 504(sp)         /* the largest c.sdsp offset */
    c.ldsp a4, 504(sp)
    c.mv s4, a4
    c.addi16sp sp, 496         /* the largest positive c.addi16sp */
    c.addi sp, 16
    SHOW_HEX "c.sd/c.ld: ", s2
    SHOW_HEX "c.lw (high word): ", s3
    SHOW_HEX "c.sdsp/c.ldsp 504: ", s4

    /* --- RV64 word arithmetic --- */
    li a0, 0x7fffffff
    c.addiw a0, 1              /* wraps to -2^31, sign-extended */
    c.mv s2, a0
    li a0, 0x100000005
    c.addiw a0, 0              /* sext.w: 5 */
    c.mv s3, a0
    li a0, 0x80000000
    li a1, 0x80000000
    c.addw a0, a1              /* 0 */
    c.mv s4, a0
    li a0, 0
    c.li a1, 1
    c.subw a0, a1              /* -1 */
    c.mv s5, a0
    SHOW_INT "c.addiw overflow: ", s2
    SHOW_INT "c.addiw 0 (sext.w): ", s3
    SHOW_INT "c.addw: ", s4
    SHOW_INT "c.subw: ", s5

    /* --- RV64 shift amounts of 32 and more --- */
    li a0, -256
    c.srai a0, 40              /* -1 */
    c.mv s2, a0
    li a0, -256
    c.srli a0, 40              /* 0xffffff */
    c.mv s3, a0
    c.li a0, 3
    c.slli a0, 62              /* 0xc000000000000000 */
    c.mv s4, a0
    SHOW_INT "c.srai 40: ", s2
    SHOW_HEX "c.srli 40: ", s3
    SHOW_HEX "c.slli 62: ", s4
#endif

    /* --- control flow: each path sets one bit of s2 --- */
    c.li s0, 0
    mv s2, zero
    c.beqz s0, 1f
    ori s2, s2, 1              /* skipped */
1:  c.bnez s0, 2f
    ori s2, s2, 2              /* taken */
2:  c.li s0, 3
    c.bnez s0, 3f
    ori s2, s2, 4              /* skipped */
3:  c.j 4f
    ori s2, s2, 8              /* skipped */
4:  la a0, sub_or_16
    c.jalr a0                  /* returns with bit 16 set */
    la a0, 5f
    c.jr a0
    ori s2, s2, 32             /* skipped */
5:
#if __riscv_xlen == 32
    c.jal sub_or_64
#else
    call sub_or_64
#endif
    SHOW_HEX "branch mask: ", s2

    /* --- 32-bit instructions at 2 mod 4 addresses --- */
    .balign 4
    c.nop
    lui a0, 0x12345            /* at 4k+2 */
    addi a0, a0, 0x678         /* also 4k+2 */
    c.mv s3, a0
    SHOW_HEX "misaligned 32-bit: ", s3
    .balign 4
    c.nop
    jal ra, odd_target_caller  /* lands on a target at 4k+2 */
    c.mv s3, a0
    SHOW_INT "call to a 2 mod 4 target: ", s3

    /* --- a 32-bit instruction across a page boundary --- */
    call page_straddle
    c.mv s3, a0
    SHOW_HEX "page-straddling lui: ", s3

    li a0, 0
    CW_RET

sub_or_16:
    ori s2, s2, 16
    c.jr ra

sub_or_64:
    ori s2, s2, 64
    c.jr ra

    .balign 4
odd_target_caller:
    c.nop
odd_target:                    /* 4k+2 */
    li a0, 1234
    c.jr ra

    /* 2047 c.nop fill the page up to offset 0xffe, where the lui starts and runs 2 bytes into
     * the next page. */
    .section .text.straddle, "ax", @progbits
    .p2align 12
    .fill 2047, 2, 0x0001
    .globl page_straddle
page_straddle:
    lui a0, 0xabcde
    c.addi a0, 7
    c.jr ra

    .bss
    .balign 8
scratch:
    .space 128
