/* The A extension on a single hart: every AMO (.w, and .d on RV64) with each ordering suffix, and
 * lr/sc loops (compare-and-swap, fetch-and-add). With one hart an sc right after its lr succeeds
 * (writes 0); what a lone sc does is implementation-defined, so it is not tested. AMO.W on RV64
 * sign-extends the old value, which the negative operands check.
 * cw-targets: rv32imac rv64imac */
#include "causeway.h"

static volatile int32_t w;
#if __riscv_xlen == 64
static volatile int64_t d;
#endif

static long amo_w(int which, long v)
{
    long old;
    switch (which) {
#define C(k, insn)                                                                                 \
    case k:                                                                                        \
        __asm__ volatile(insn " %0, %2, (%1)" : "=r"(old) : "r"(&w), "r"(v) : "memory");          \
        break;
        C(0, "amoswap.w")
        C(1, "amoadd.w")
        C(2, "amoand.w")
        C(3, "amoor.w")
        C(4, "amoxor.w")
        C(5, "amomax.w")
        C(6, "amomin.w")
        C(7, "amomaxu.w")
        C(8, "amominu.w")
        C(9, "amoadd.w.aq")
        C(10, "amoadd.w.rl")
        C(11, "amoadd.w.aqrl")
    default:
        old = 0;
    }
    return old;
}

#if __riscv_xlen == 64
static long amo_d(int which, long v)
{
    long old;
    switch (which) {
#undef C
#define C(k, insn)                                                                                 \
    case k:                                                                                        \
        __asm__ volatile(insn " %0, %2, (%1)" : "=r"(old) : "r"(&d), "r"(v) : "memory");          \
        break;
        C(0, "amoswap.d")
        C(1, "amoadd.d")
        C(2, "amoand.d")
        C(3, "amoor.d")
        C(4, "amoxor.d")
        C(5, "amomax.d")
        C(6, "amomin.d")
        C(7, "amomaxu.d")
        C(8, "amominu.d")
        C(9, "amoadd.d.aq")
        C(10, "amoadd.d.rl")
        C(11, "amoadd.d.aqrl")
    default:
        old = 0;
    }
    return old;
}
#endif

static const char *const names_w[] = {"amoswap.w", "amoadd.w", "amoand.w", "amoor.w", "amoxor.w", "amomax.w",
                                      "amomin.w", "amomaxu.w", "amominu.w", "amoadd.w.aq", "amoadd.w.rl",
                                      "amoadd.w.aqrl"};
#if __riscv_xlen == 64
static const char *const names_d[] = {"amoswap.d", "amoadd.d", "amoand.d", "amoor.d", "amoxor.d", "amomax.d",
                                      "amomin.d", "amomaxu.d", "amominu.d", "amoadd.d.aq", "amoadd.d.rl",
                                      "amoadd.d.aqrl"};
#endif

/* Compare-and-swap with lr.w/sc.w: returns the value found; stores `desired` if it was `expected`. */
static int32_t cas_w(volatile int32_t *p, int32_t expected, int32_t desired)
{
    int32_t found;
    long fail;
    __asm__ volatile("1: lr.w.aqrl %0, (%2)\n"
                     "   bne %0, %3, 2f\n"
                     "   sc.w.rl %1, %4, (%2)\n"
                     "   bnez %1, 1b\n"
                     "2:"
                     : "=&r"(found), "=&r"(fail)
                     : "r"(p), "r"(expected), "r"(desired)
                     : "memory");
    return found;
}

/* Returns sc's result register as well, to show it is 0 on success. */
static int32_t fetch_add_w(volatile int32_t *p, int32_t v, long *sc_result)
{
    int32_t old, tmp;
    long fail;
    __asm__ volatile("1: lr.w %0, (%3)\n"
                     "   add %1, %0, %4\n"
                     "   sc.w %2, %1, (%3)\n"
                     "   bnez %2, 1b"
                     : "=&r"(old), "=&r"(tmp), "=&r"(fail)
                     : "r"(p), "r"(v)
                     : "memory");
    *sc_result = fail;
    return old;
}

int main(void)
{
    static const long operands[] = {5, -3, 0x7fffffff, (long)0x80000000, -1, 0};
    for (int op = 0; op < 12; op++) {
        for (unsigned i = 0; i < sizeof operands / sizeof operands[0]; i++) {
            w = -100;
            long old = amo_w(op, operands[i]);
            cw_puts(names_w[op]);
            cw_puts("(-100, ");
            cw_print_int(operands[i]);
            cw_puts(") old ");
            cw_print_int(old);
            cw_puts(" new ");
            cw_print_int(w);
            cw_putc('\n');
        }
    }
#if __riscv_xlen == 64
    static const long operands64[] = {5, -3, 0x7fffffffffffffffL, (long)0x8000000000000000UL, 0x100000000L};
    for (int op = 0; op < 12; op++) {
        for (unsigned i = 0; i < sizeof operands64 / sizeof operands64[0]; i++) {
            d = 0x123456789L;
            long old = amo_d(op, operands64[i]);
            cw_puts(names_d[op]);
            cw_puts("(0x123456789, ");
            cw_print_hex((unsigned long)operands64[i]);
            cw_puts(") old ");
            cw_print_hex((unsigned long)old);
            cw_puts(" new ");
            cw_print_hex((unsigned long)d);
            cw_putc('\n');
        }
    }
    /* lr.d/sc.d */
    long old64, fail64;
    d = 40;
    __asm__ volatile("1: lr.d %0, (%2)\n"
                     "   addi %0, %0, 2\n"
                     "   sc.d %1, %0, (%2)\n"
                     "   bnez %1, 1b"
                     : "=&r"(old64), "=&r"(fail64)
                     : "r"(&d)
                     : "memory");
    cw_puts("lr.d/sc.d: ");
    cw_print_int(d);
    cw_puts(" sc result ");
    cw_print_int(fail64);
    cw_putc('\n');
#endif

    w = 10;
    cw_puts("cas(10 -> 20) found ");
    cw_print_int(cas_w(&w, 10, 20));
    cw_puts(", now ");
    cw_print_int(w);
    cw_puts("\ncas(10 -> 30) found ");
    cw_print_int(cas_w(&w, 10, 30));
    cw_puts(", now ");
    cw_print_int(w);
    cw_putc('\n');

    long sc = -1;
    int32_t sum = 0;
    w = 0;
    for (int i = 1; i <= 100; i++)
        sum += fetch_add_w(&w, i, &sc);
    cw_puts("fetch_add: final ");
    cw_print_int(w);
    cw_puts(" sum of olds ");
    cw_print_int(sum);
    cw_puts(" last sc result ");
    cw_print_int(sc);
    cw_putc('\n');

    /* What the compiler emits for C11-style builtins (amoadd.w / amoswap.w / lr-sc for CAS). */
    int32_t expected = 5050;
    int ok = __atomic_compare_exchange_n(&w, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    int32_t prev = __atomic_fetch_add(&w, 41, __ATOMIC_RELAXED);
    int32_t swapped = __atomic_exchange_n(&w, -7, __ATOMIC_ACQ_REL);
    cw_puts("builtins: cas ");
    cw_print_int(ok);
    cw_puts(" prev ");
    cw_print_int(prev);
    cw_puts(" swapped ");
    cw_print_int(swapped);
    cw_puts(" final ");
    cw_print_int(__atomic_load_n(&w, __ATOMIC_SEQ_CST));
    cw_putc('\n');
    return 0;
}
