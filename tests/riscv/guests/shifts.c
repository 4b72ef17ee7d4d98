/* Shifts: every amount on 32- and 64-bit values by register (C: amounts below the width only) and
 * by immediate (an unrolled switch gives one slli/srli/srai per amount), then the instructions'
 * own masking of oversized register amounts (low 5 or 6 bits), through inline asm because C leaves
 * it undefined. The last part depends on the register width. */
#include "causeway.h"

static volatile uint64_t values[] = {
    0, 1, 0x80, 0xff, 0x8000, 0x12345678, 0x7fffffff, 0x80000000, 0xffffffff, 0x123456789abcdef0,
    0x8000000000000000, 0xffffffffffffffff, 0xdeadbeefcafebabe, 0x00000000c0000001,
};
#define N (sizeof values / sizeof values[0])

static uint64_t hash;
#include "fnv.h"

/* One case per immediate amount: the switch keeps each shift a separate instruction. */
#define CASE4(b, expr) CASE(b + 0, expr) CASE(b + 1, expr) CASE(b + 2, expr) CASE(b + 3, expr)
#define CASE16(b, expr) CASE4(b, expr) CASE4(b + 4, expr) CASE4(b + 8, expr) CASE4(b + 12, expr)
#define CASE(k, expr)                                                                              \
    case k: {                                                                                      \
        const unsigned s = (k) & 31;                                                               \
        return expr;                                                                               \
    }

static __attribute__((noinline)) uint64_t imm32(int op, uint32_t x, unsigned k)
{
    switch (op * 32 + k) {
        CASE16(0, x << s) CASE16(16, x << s)
        CASE16(32, x >> s) CASE16(48, x >> s)
        CASE16(64, (uint32_t)((int32_t)x >> s)) CASE16(80, (uint32_t)((int32_t)x >> s))
    }
    return 0;
}
#undef CASE
#define CASE(k, expr)                                                                              \
    case k: {                                                                                      \
        const unsigned s = (k) & 63;                                                               \
        return expr;                                                                               \
    }

static __attribute__((noinline)) uint64_t imm64(int op, uint64_t x, unsigned k)
{
    switch (op * 64 + k) {
        CASE16(0, x << s) CASE16(16, x << s) CASE16(32, x << s) CASE16(48, x << s)
        CASE16(64, x >> s) CASE16(80, x >> s) CASE16(96, x >> s) CASE16(112, x >> s)
        CASE16(128, (uint64_t)((int64_t)x >> s)) CASE16(144, (uint64_t)((int64_t)x >> s))
        CASE16(160, (uint64_t)((int64_t)x >> s)) CASE16(176, (uint64_t)((int64_t)x >> s))
    }
    return 0;
}

#if defined(__riscv) /* the rest of the file; off in native builds used as an oracle for the above */
#define RR(op)                                                                                     \
    static long op_##op(long a, long b)                                                            \
    {                                                                                              \
        long r;                                                                                    \
        __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));                            \
        return r;                                                                                  \
    }
RR(sll)
RR(srl)
RR(sra)
#if __riscv_xlen == 64
RR(sllw)
RR(srlw)
RR(sraw)
#endif
#endif

int main(void)
{
    hash = 0xcbf29ce484222325ULL;
    volatile unsigned amount;

    for (unsigned i = 0; i < N; i++)
        for (amount = 0; amount < 32; amount++)
            mix((uint32_t)values[i] << amount);
    report("sll32");
    for (unsigned i = 0; i < N; i++)
        for (amount = 0; amount < 32; amount++)
            mix((uint32_t)values[i] >> amount);
    report("srl32");
    for (unsigned i = 0; i < N; i++)
        for (amount = 0; amount < 32; amount++)
            mix((uint64_t)(int64_t)((int32_t)values[i] >> amount));
    report("sra32");
    for (unsigned i = 0; i < N; i++)
        for (amount = 0; amount < 64; amount++)
            mix(values[i] << amount);
    report("sll64");
    for (unsigned i = 0; i < N; i++)
        for (amount = 0; amount < 64; amount++)
            mix(values[i] >> amount);
    report("srl64");
    for (unsigned i = 0; i < N; i++)
        for (amount = 0; amount < 64; amount++)
            mix((uint64_t)((int64_t)values[i] >> amount));
    report("sra64");
    for (unsigned i = 0; i < N; i++)
        for (amount = 0; amount < 64; amount++)
            mix((values[i] << amount) | (values[i] >> ((64 - amount) & 63)));
    report("rotl64");

    for (int op = 0; op < 3; op++)
        for (unsigned i = 0; i < N; i++)
            for (unsigned k = 0; k < 32; k++)
                mix(imm32(op, (uint32_t)values[i], k));
    report("imm32");
    for (int op = 0; op < 3; op++)
        for (unsigned i = 0; i < N; i++)
            for (unsigned k = 0; k < 64; k++)
                mix(imm64(op, values[i], k));
    report("imm64");

#if defined(__riscv)
    /* Register amounts past the width: only the low log2(XLEN) bits count. */
    static const long amounts[] = {0, 1, 31, 32, 33, 63, 64, 65, 127, -1, -32};
    static const long xs[] = {1, -1, 0x12345678, (long)0x80000000UL, -0x7fffffffL - 1};
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        for (unsigned j = 0; j < sizeof amounts / sizeof amounts[0]; j++) {
            long x = xs[i], s = amounts[j];
            cw_print_hex((unsigned long)x);
            cw_puts(" by ");
            cw_print_int(s);
            cw_puts(": sll ");
            cw_print_hex((unsigned long)op_sll(x, s));
            cw_puts(" srl ");
            cw_print_hex((unsigned long)op_srl(x, s));
            cw_puts(" sra ");
            cw_print_hex((unsigned long)op_sra(x, s));
#if __riscv_xlen == 64
            cw_puts(" sllw ");
            cw_print_hex((unsigned long)op_sllw(x, s));
            cw_puts(" srlw ");
            cw_print_hex((unsigned long)op_srlw(x, s));
            cw_puts(" sraw ");
            cw_print_hex((unsigned long)op_sraw(x, s));
#endif
            cw_putc('\n');
        }
    }
#endif
    return 0;
}
