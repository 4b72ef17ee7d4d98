/*
 * cw_asm.h: macros for assembly-language (.S) guests. Include it after `#include` in a .S file that
 * is built with guest/crt0.S and guest/rt.c; it defines `main` conventions and printing through
 * rt.c's cw_rt_* functions, so each test can say what it computed instead of only pass/fail.
 *
 * The printing macros call C functions, which clobber every caller-saved register (a*, t*, ra):
 * keep live values in s-registers across them.
 */
#ifndef CW_ASM_H
#define CW_ASM_H

#if __riscv_xlen == 64
#define REG_S sd
#define REG_L ld
#define REGBYTES 8
#else
#define REG_S sw
#define REG_L lw
#define REGBYTES 4
#endif

/* Frame that saves ra and s0..s11 (13 registers, rounded up to keep sp 16-byte aligned). */
#define CW_FRAME (16 * REGBYTES)

/* Start a global function `name` that may clobber every s-register and call C. */
.macro CW_FUNC name
    .text
    .globl \name
    .type \name, @function
\name:
    addi sp, sp, -CW_FRAME
    REG_S ra, 0*REGBYTES(sp)
    REG_S s0, 1*REGBYTES(sp)
    REG_S s1, 2*REGBYTES(sp)
    REG_S s2, 3*REGBYTES(sp)
    REG_S s3, 4*REGBYTES(sp)
    REG_S s4, 5*REGBYTES(sp)
    REG_S s5, 6*REGBYTES(sp)
    REG_S s6, 7*REGBYTES(sp)
    REG_S s7, 8*REGBYTES(sp)
    REG_S s8, 9*REGBYTES(sp)
    REG_S s9, 10*REGBYTES(sp)
    REG_S s10, 11*REGBYTES(sp)
    REG_S s11, 12*REGBYTES(sp)
.endm

/* Return a0 from the function opened by CW_FUNC. */
.macro CW_RET
    REG_L ra, 0*REGBYTES(sp)
    REG_L s0, 1*REGBYTES(sp)
    REG_L s1, 2*REGBYTES(sp)
    REG_L s2, 3*REGBYTES(sp)
    REG_L s3, 4*REGBYTES(sp)
    REG_L s4, 5*REGBYTES(sp)
    REG_L s5, 6*REGBYTES(sp)
    REG_L s6, 7*REGBYTES(sp)
    REG_L s7, 8*REGBYTES(sp)
    REG_L s8, 9*REGBYTES(sp)
    REG_L s9, 10*REGBYTES(sp)
    REG_L s10, 11*REGBYTES(sp)
    REG_L s11, 12*REGBYTES(sp)
    addi sp, sp, CW_FRAME
    ret
.endm

/* Print a string literal (give it with its quotes: PUTS "ok\n"). */
.macro PUTS str
    .pushsection .rodata.str1.1, "aMS", @progbits, 1
.Lcw_puts_\@:
    .asciz "\str"
    .popsection
    la a0, .Lcw_puts_\@
    call cw_rt_puts
.endm

/* Print a register as signed decimal / as 0x-prefixed hex (register width). */
.macro PRINT_INT reg
    mv a0, \reg
    call cw_rt_print_int
.endm

.macro PRINT_HEX reg
    mv a0, \reg
    call cw_rt_print_hex
.endm

/* `label` then the value in decimal then a newline. */
.macro SHOW_INT label, reg
    mv s11, \reg
    PUTS "\label"
    PRINT_INT s11
    PUTS "\n"
.endm

.macro SHOW_HEX label, reg
    mv s11, \reg
    PUTS "\label"
    PRINT_HEX s11
    PUTS "\n"
.endm

#endif
