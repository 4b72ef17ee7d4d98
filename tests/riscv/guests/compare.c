/* Comparisons and branches: every pair of boundary values through each signed and unsigned
 * relation, as a set-less-than result (slt/sltu/slti/sltiu/seqz/snez) and as a branch (the noinline
 * functions keep a real conditional branch in each). Results are packed into one bit mask per pair
 * and hashed; fixed-width types keep the output the same on RV32 and RV64. */
#include "causeway.h"

static volatile uint64_t values[] = {
    0, 1, 2, 0x7f, 0x80, 0x7ff, 0x800, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
    0x100000000, 0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffffffe, 0xffffffffffffffff,
    0xffffffff00000000, 0x00000001ffffffff,
};
#define N (sizeof values / sizeof values[0])

#define BR(name, type, op)                                                                         \
    static __attribute__((noinline)) int name(type a, type b)                                      \
    {                                                                                              \
        if (a op b)                                                                                \
            return 1;                                                                              \
        __asm__ volatile(""); /* keeps the two paths distinct, so no setcc is used */              \
        return 0;                                                                                  \
    }
BR(beq32, int32_t, ==)
BR(bne32, int32_t, !=)
BR(blt32, int32_t, <)
BR(bge32, int32_t, >=)
BR(bltu32, uint32_t, <)
BR(bgeu32, uint32_t, >=)
BR(beq64, int64_t, ==)
BR(bne64, int64_t, !=)
BR(blt64, int64_t, <)
BR(bge64, int64_t, >=)
BR(bltu64, uint64_t, <)
BR(bgeu64, uint64_t, >=)

static uint64_t hash = 0xcbf29ce484222325ULL;
#include "fnv.h"

int main(void)
{
    unsigned trues32 = 0, trues64 = 0;
    for (unsigned i = 0; i < N; i++) {
        for (unsigned j = 0; j < N; j++) {
            int32_t a = (int32_t)values[i], b = (int32_t)values[j];
            uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
            unsigned m = (unsigned)(a < b) | (unsigned)(ua < ub) << 1 | (unsigned)(a == b) << 2 |
                         (unsigned)(a != b) << 3 | (unsigned)(a > b) << 4 | (unsigned)(ua >= ub) << 5 |
                         (unsigned)beq32(a, b) << 6 | (unsigned)bne32(a, b) << 7 |
                         (unsigned)blt32(a, b) << 8 | (unsigned)bge32(a, b) << 9 |
                         (unsigned)bltu32(ua, ub) << 10 | (unsigned)bgeu32(ua, ub) << 11 |
                         (unsigned)(a < 5) << 12 | (unsigned)(ua < 5) << 13 | (unsigned)(a < -2048) << 14 |
                         (unsigned)(ua < 0xfffff800u) << 15 | (unsigned)(a == 0) << 16 |
                         (unsigned)(a != 0) << 17 | (unsigned)(a >= 0) << 18 | (unsigned)(a <= 0) << 19;
            mix(m);
            trues32 += (unsigned)__builtin_popcount(m);

            int64_t c = (int64_t)values[i], d = (int64_t)values[j];
            uint64_t uc = (uint64_t)c, ud = (uint64_t)d;
            m = (unsigned)(c < d) | (unsigned)(uc < ud) << 1 | (unsigned)(c == d) << 2 |
                (unsigned)(c != d) << 3 | (unsigned)(c > d) << 4 | (unsigned)(uc >= ud) << 5 |
                (unsigned)beq64(c, d) << 6 | (unsigned)bne64(c, d) << 7 | (unsigned)blt64(c, d) << 8 |
                (unsigned)bge64(c, d) << 9 | (unsigned)bltu64(uc, ud) << 10 |
                (unsigned)bgeu64(uc, ud) << 11 | (unsigned)(c < 5) << 12 | (unsigned)(uc < 5) << 13 |
                (unsigned)(c < -2048) << 14 | (unsigned)(uc < 0xfffffffffffff800u) << 15 |
                (unsigned)(c == 0) << 16 | (unsigned)(c != 0) << 17 | (unsigned)(c >= 0) << 18 |
                (unsigned)(c <= 0) << 19;
            mix(m);
            trues64 += (unsigned)__builtin_popcount(m);
        }
    }
    cw_puts("true relations 32: ");
    cw_print_uint(trues32);
    cw_puts("\ntrue relations 64: ");
    cw_print_uint(trues64);
    cw_puts("\nhash: ");
    cw_print_hex_width(hash, 16);
    cw_putc('\n');

    /* min/max, which compilers turn into branches or slt+mask sequences. */
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    uint64_t ulo = UINT64_MAX, uhi = 0;
    for (unsigned i = 0; i < N; i++) {
        int64_t v = (int64_t)values[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        ulo = (uint64_t)v < ulo ? (uint64_t)v : ulo;
        uhi = (uint64_t)v > uhi ? (uint64_t)v : uhi;
    }
    cw_puts("min ");
    cw_print_int(lo);
    cw_puts(" max ");
    cw_print_int(hi);
    cw_puts(" umin ");
    cw_print_uint(ulo);
    cw_puts(" umax ");
    cw_print_uint(uhi);
    cw_putc('\n');
    return 0;
}
