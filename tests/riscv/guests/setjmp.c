/* Non-local control flow: setjmp/longjmp written in assembly (there is no libc to provide them).
 * longjmp restores sp, ra and s0-s11 and "returns" from setjmp a second time, so the program
 * exercises returns to addresses that were not the last call, and stack unwinding by assignment. */
#include "causeway.h"

typedef long cw_jmp_buf[14]; /* ra, sp, s0..s11 */

int cw_setjmp(cw_jmp_buf env) __attribute__((returns_twice));
__attribute__((noreturn)) void cw_longjmp(cw_jmp_buf env, int value);

#if __riscv_xlen == 64
#define S "sd"
#define L "ld"
#define W "8"
#else
#define S "sw"
#define L "lw"
#define W "4"
#endif

__asm__(".text\n"
        ".globl cw_setjmp\n"
        ".type cw_setjmp, @function\n"
        "cw_setjmp:\n"
        "  " S " ra, 0*" W "(a0)\n"
        "  " S " sp, 1*" W "(a0)\n"
        "  " S " s0, 2*" W "(a0)\n"
        "  " S " s1, 3*" W "(a0)\n"
        "  " S " s2, 4*" W "(a0)\n"
        "  " S " s3, 5*" W "(a0)\n"
        "  " S " s4, 6*" W "(a0)\n"
        "  " S " s5, 7*" W "(a0)\n"
        "  " S " s6, 8*" W "(a0)\n"
        "  " S " s7, 9*" W "(a0)\n"
        "  " S " s8, 10*" W "(a0)\n"
        "  " S " s9, 11*" W "(a0)\n"
        "  " S " s10, 12*" W "(a0)\n"
        "  " S " s11, 13*" W "(a0)\n"
        "  li a0, 0\n"
        "  ret\n"
        ".size cw_setjmp, . - cw_setjmp\n"
        "\n"
        ".globl cw_longjmp\n"
        ".type cw_longjmp, @function\n"
        "cw_longjmp:\n"
        "  " L " ra, 0*" W "(a0)\n"
        "  " L " sp, 1*" W "(a0)\n"
        "  " L " s0, 2*" W "(a0)\n"
        "  " L " s1, 3*" W "(a0)\n"
        "  " L " s2, 4*" W "(a0)\n"
        "  " L " s3, 5*" W "(a0)\n"
        "  " L " s4, 6*" W "(a0)\n"
        "  " L " s5, 7*" W "(a0)\n"
        "  " L " s6, 8*" W "(a0)\n"
        "  " L " s7, 9*" W "(a0)\n"
        "  " L " s8, 10*" W "(a0)\n"
        "  " L " s9, 11*" W "(a0)\n"
        "  " L " s10, 12*" W "(a0)\n"
        "  " L " s11, 13*" W "(a0)\n"
        /* longjmp(env, 0) must make setjmp return 1: seqz a0, a1 is 1 exactly when a1 == 0. */
        "  seqz a0, a1\n"
        "  add a0, a0, a1\n"
        "  ret\n"
        ".size cw_longjmp, . - cw_longjmp\n");

static cw_jmp_buf env;
static volatile unsigned depth_reached;

static __attribute__((noinline)) void dive(unsigned depth, unsigned limit)
{
    volatile char pad[64]; /* real frames to unwind */
    pad[0] = (char)depth;
    depth_reached = depth + (unsigned)pad[0] - depth;
    if (depth > 1000) /* never: a bound, so the recursion is visibly finite */
        return;
    if (depth < limit)
        dive(depth + 1, limit);
    else
        cw_longjmp(env, (int)depth);
    cw_puts("not reached\n");
}

/* Catches errors raised by `risky`, like a try/catch. */
static cw_jmp_buf handler;
static __attribute__((noinline)) int risky(int x)
{
    if (x % 3 == 0)
        cw_longjmp(handler, x ? x : 0); /* 0 is delivered as 1 */
    return x * 10;
}

int main(void)
{
    volatile int rounds = 0;
    int r = cw_setjmp(env);
    cw_puts("setjmp returned ");
    cw_print_int(r);
    cw_putc('\n');
    rounds++;
    if (rounds < 4)
        dive(0, (unsigned)rounds * 25);
    cw_puts("deepest frame: ");
    cw_print_uint(depth_reached);
    cw_puts(", rounds: ");
    cw_print_int(rounds);
    cw_putc('\n');

    volatile long total = 0;
    for (volatile int i = 0; i < 8; i++) {
        int e = cw_setjmp(handler);
        if (e == 0) {
            total += risky(i);
        } else {
            cw_puts("caught ");
            cw_print_int(e);
            cw_puts(" at i = ");
            cw_print_int(i);
            cw_putc('\n');
            total -= e;
        }
    }
    cw_puts("total: ");
    cw_print_int(total);
    cw_putc('\n');
    return 0;
}
