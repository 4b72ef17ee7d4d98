/* Bit manipulation without the B extension: count leading/trailing zeros, population count,
 * parity and byte swaps through gcc builtins, which become libgcc calls (__clzdi2, __popcountsi2,
 * __bswapsi2, ...) or inline shift/mask sequences; plus rotations and bit reversal. */
#include "causeway.h"

static volatile uint64_t values[] = {
    1, 2, 3, 0x80, 0xff, 0x8000, 0x10000, 0x12345678, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000, 0x0123456789abcdef, 0x8000000000000000, 0xfffffffffffffffe, 0xffffffffffffffff,
};
#define N (sizeof values / sizeof values[0])

static uint32_t rev32(uint32_t x)
{
    x = (x >> 1 & 0x55555555) | (x & 0x55555555) << 1;
    x = (x >> 2 & 0x33333333) | (x & 0x33333333) << 2;
    x = (x >> 4 & 0x0f0f0f0f) | (x & 0x0f0f0f0f) << 4;
    return __builtin_bswap32(x);
}

int main(void)
{
    for (unsigned i = 0; i < N; i++) {
        uint64_t v = values[i];
        uint32_t w = (uint32_t)v;
        cw_print_hex_width(v, 16);
        cw_puts(": clz64 ");
        cw_print_int(__builtin_clzll(v));
        cw_puts(" ctz64 ");
        cw_print_int(__builtin_ctzll(v));
        cw_puts(" pop64 ");
        cw_print_int(__builtin_popcountll(v));
        cw_puts(" par64 ");
        cw_print_int(__builtin_parityll(v));
        cw_puts(" clz32 ");
        cw_print_int(w ? __builtin_clz(w) : 32);
        cw_puts(" ctz32 ");
        cw_print_int(w ? __builtin_ctz(w) : 32);
        cw_puts(" pop32 ");
        cw_print_int(__builtin_popcount(w));
        cw_puts("\n    bswap64 ");
        cw_print_hex(__builtin_bswap64(v));
        cw_puts(" bswap32 ");
        cw_print_hex(__builtin_bswap32(w));
        cw_puts(" bswap16 ");
        cw_print_hex(__builtin_bswap16((uint16_t)w));
        cw_puts(" rotl32(7) ");
        cw_print_hex((w << 7) | (w >> 25));
        cw_puts(" rotr64(13) ");
        cw_print_hex((v >> 13) | (v << 51));
        cw_puts(" rev32 ");
        cw_print_hex(rev32(w));
        cw_puts(" ffs ");
        cw_print_int(__builtin_ffsll((long long)v));
        cw_putc('\n');
    }
    return 0;
}
