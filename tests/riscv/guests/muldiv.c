/* The M extension's instructions themselves, through inline asm, on their defined edge cases:
 * division by zero (quotient all ones, remainder the dividend), signed overflow (MIN / -1 gives MIN,
 * remainder 0), and the high-half multiplies. C cannot express these (they are undefined behaviour
 * there), so the compiler must not be the one choosing the instruction. Register-width results
 * differ between RV32 and RV64, hence per-xlen expectations. */
#include "causeway.h"

#define RR(op)                                                                                     \
    static long op_##op(long a, long b)                                                            \
    {                                                                                              \
        long r;                                                                                    \
        __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));                            \
        return r;                                                                                  \
    }

RR(mul)
RR(mulh)
RR(mulhsu)
RR(mulhu)
RR(div)
RR(divu)
RR(rem)
RR(remu)
#if __riscv_xlen == 64
RR(mulw)
RR(divw)
RR(divuw)
RR(remw)
RR(remuw)
#endif

typedef long (*op_fn)(long, long);
static const struct {
    const char *name;
    op_fn fn;
} ops[] = {
    {"mul", op_mul},   {"mulh", op_mulh}, {"mulhsu", op_mulhsu}, {"mulhu", op_mulhu},
    {"div", op_div},   {"divu", op_divu}, {"rem", op_rem},       {"remu", op_remu},
#if __riscv_xlen == 64
    {"mulw", op_mulw}, {"divw", op_divw}, {"divuw", op_divuw},   {"remw", op_remw},
    {"remuw", op_remuw},
#endif
};

#define LMIN ((long)((unsigned long)1 << (__riscv_xlen - 1)))
#define LMAX ((long)(((unsigned long)1 << (__riscv_xlen - 1)) - 1))

static void show(const char *name, long a, long b, long r)
{
    cw_puts(name);
    cw_putc('(');
    cw_print_int(a);
    cw_puts(", ");
    cw_print_int(b);
    cw_puts(") = ");
    cw_print_int(r);
    cw_puts(" ");
    cw_print_hex((unsigned long)r);
    cw_putc('\n');
}

int main(void)
{
    /* The named edge cases. */
    static const long a_vals[] = {7, -7, 0, 1, -1, 0x7fffffff, -0x7fffffff - 1, 0x12345678, LMAX, LMIN};
    static const long b_vals[] = {0, 1, -1, 2, -2, 3, 0x10000, LMIN};
    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (unsigned i = 0; i < sizeof a_vals / sizeof a_vals[0]; i++)
            for (unsigned j = 0; j < sizeof b_vals / sizeof b_vals[0]; j++)
                show(ops[o].name, a_vals[i], b_vals[j], ops[o].fn(a_vals[i], b_vals[j]));

#if __riscv_xlen == 64
    /* The *w forms read only the low 32 bits of their operands and sign-extend their result:
     * garbage in the upper half must not leak in, even for the unsigned ones. */
    long hi = 0x5555555500000000L;
    show("divw/hi", hi | 0x80000000L, hi | 0xffffffffL, op_divw(hi | 0x80000000L, hi | 0xffffffffL));
    show("divw/0", hi | 0x80000000L, hi, op_divw(hi | 0x80000000L, hi));
    show("remw/0", hi | 0x80000000L, hi, op_remw(hi | 0x80000000L, hi));
    show("divuw/0", hi | 5, hi, op_divuw(hi | 5, hi));
    show("remuw/0", hi | 0x80000005L, hi, op_remuw(hi | 0x80000005L, hi));
    show("divuw", hi | 0xfffffffeL, 2, op_divuw(hi | 0xfffffffeL, 2));
    show("mulw", hi | 0x10000, hi | 0x10000, op_mulw(hi | 0x10000, hi | 0x10000));
#endif
    return 0;
}
