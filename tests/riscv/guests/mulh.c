/* Double-width products as the compiler writes them: 32x32->64 on both widths (mulh/mulhu
 * on RV32, a plain mul on RV64), 64x64->128 through __int128 on RV64 (mulh/mulhu/mulhsu there) and
 * 64x64->64 on RV32 (mul + mulhu + cross terms). Each product is checked against a schoolbook
 * multiplication on 16-bit limbs, which uses only small products, so the check does not depend on
 * the instructions under test. */
#include "causeway.h"

static volatile uint64_t values[] = {
    0, 1, 2, 3, 0x7fff, 0xffff, 0x12345678, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
    0x100000001, 0x123456789abcdef0, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001,
    0xfffffffffffffffe, 0xffffffffffffffff, 0xdeadbeefcafebabe,
};
#define N (sizeof values / sizeof values[0])

/* Unsigned 64x64 -> 128, returned as two 64-bit halves. */
static void umul_ref(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint32_t r[8] = {0};
    for (int i = 0; i < 4; i++) {
        uint32_t carry = 0;
        uint32_t ai = (uint32_t)(a >> (16 * i)) & 0xffff;
        for (int j = 0; j < 4; j++) {
            uint32_t bj = (uint32_t)(b >> (16 * j)) & 0xffff;
            /* 16x16 products fit in 32 bits; with the limb and carry added they still do not
             * overflow: 0xffff*0xffff + 0xffff + 0xffff = 0xffffffff. */
            uint32_t t = ai * bj + r[i + j] + carry;
            r[i + j] = t & 0xffff;
            carry = t >> 16;
        }
        r[i + 4] = carry;
    }
    *lo = (uint64_t)r[0] | (uint64_t)r[1] << 16 | (uint64_t)r[2] << 32 | (uint64_t)r[3] << 48;
    *hi = (uint64_t)r[4] | (uint64_t)r[5] << 16 | (uint64_t)r[6] << 32 | (uint64_t)r[7] << 48;
}

/* Signed high halves from the unsigned one: subtract the other operand for each negative one. */
static uint64_t hi_ref(uint64_t a, uint64_t b, int a_signed, int b_signed)
{
    uint64_t hi, lo;
    umul_ref(a, b, &hi, &lo);
    if (a_signed && (int64_t)a < 0)
        hi -= b;
    if (b_signed && (int64_t)b < 0)
        hi -= a;
    return hi;
}

static unsigned checked, failed;

static void expect(const char *what, uint64_t a, uint64_t b, uint64_t got, uint64_t want)
{
    checked++;
    if (got == want)
        return;
    failed++;
    cw_puts("MISMATCH ");
    cw_puts(what);
    cw_putc(' ');
    cw_print_hex(a);
    cw_putc(' ');
    cw_print_hex(b);
    cw_puts(" got ");
    cw_print_hex(got);
    cw_puts(" want ");
    cw_print_hex(want);
    cw_putc('\n');
}

static uint64_t hash = 0xcbf29ce484222325ULL;
static void mix(uint64_t v)
{
    hash ^= v;
    hash = (hash << 13 | hash >> 51) + 0x9e3779b97f4a7c15ULL;
}

int main(void)
{
    for (unsigned i = 0; i < N; i++) {
        for (unsigned j = 0; j < N; j++) {
            uint64_t a = values[i], b = values[j];
            uint64_t hi, lo;
            umul_ref(a, b, &hi, &lo);

            /* 32 x 32 -> 64 */
            uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
            uint64_t uu = (uint64_t)a32 * b32;
            int64_t ss = (int64_t)(int32_t)a32 * (int32_t)b32;
            int64_t su = (int64_t)(int32_t)a32 * (int64_t)b32;
            uint64_t h32, l32;
            umul_ref(a32, b32, &h32, &l32);
            expect("u32xu32", a32, b32, uu, l32);
            expect("s32xs32", a32, b32, (uint64_t)ss,
                   l32 - ((int32_t)a32 < 0 ? (uint64_t)b32 << 32 : 0) - ((int32_t)b32 < 0 ? (uint64_t)a32 << 32 : 0));
            expect("s32xu32", a32, b32, (uint64_t)su, l32 - ((int32_t)a32 < 0 ? (uint64_t)b32 << 32 : 0));
            mix(uu), mix((uint64_t)ss), mix((uint64_t)su);

            /* 64 x 64 -> 64 (low half, the same for signed and unsigned) */
            expect("u64xu64 lo", a, b, a * b, lo);
            mix(a * b);

#if __riscv_xlen == 64
            /* 64 x 64 -> 128: the high halves are mulhu, mulh and mulhsu. */
            unsigned __int128 pu = (unsigned __int128)a * b;
            __int128 ps = (__int128)(int64_t)a * (int64_t)b;
            __int128 psu = (__int128)(int64_t)a * (unsigned __int128)b;
            expect("mulhu", a, b, (uint64_t)(pu >> 64), hi);
            expect("mulh", a, b, (uint64_t)((unsigned __int128)ps >> 64), hi_ref(a, b, 1, 1));
            expect("mulhsu", a, b, (uint64_t)((unsigned __int128)psu >> 64), hi_ref(a, b, 1, 0));
            expect("mul128 lo", a, b, (uint64_t)pu, lo);
#endif
            mix(hi), mix(hi_ref(a, b, 1, 1)), mix(hi_ref(a, b, 1, 0));
        }
    }
    cw_puts("products checked: ");
    cw_print_uint(checked);
    cw_puts(", mismatches: ");
    cw_print_uint(failed);
    cw_puts("\nhash: ");
    cw_print_hex_width(hash, 16);
    cw_putc('\n');
    return failed != 0;
}
