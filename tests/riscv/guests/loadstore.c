/* Loads and stores of every width at every naturally aligned offset, signed and unsigned (lb/lbu,
 * lh/lhu, lw/lwu, ld; sb, sh, sw, sd), over bytes chosen so each access has its sign bit set or
 * clear somewhere. The volatile pointers force one memory access per C access. Output is the same
 * on RV32 and RV64 (where a 64-bit access is two word accesses on RV32). */
#include "causeway.h"

static uint8_t buf[64] __attribute__((aligned(8)));
static uint64_t hash = 0xcbf29ce484222325ULL;
#include "fnv.h"

static void fill(void)
{
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 0x47 + 0x81); /* alternates high and low bytes irregularly */
}

static void dump(void)
{
    for (unsigned i = 0; i < 32; i++) {
        static const char hex[] = "0123456789abcdef";
        char s[2] = {hex[buf[i] >> 4], hex[buf[i] & 15]};
        cw_write(1, s, 2);
    }
    cw_putc('\n');
}

int main(void)
{
    fill();
    dump();

    /* Loads: little-endian and sign/zero extension. */
    for (unsigned i = 0; i < sizeof buf; i++)
        mix((uint64_t)(int64_t) * (volatile int8_t *)(buf + i));
    report("lb");
    for (unsigned i = 0; i < sizeof buf; i++)
        mix(*(volatile uint8_t *)(buf + i));
    report("lbu");
    for (unsigned i = 0; i < sizeof buf; i += 2)
        mix((uint64_t)(int64_t) * (volatile int16_t *)(buf + i));
    report("lh");
    for (unsigned i = 0; i < sizeof buf; i += 2)
        mix(*(volatile uint16_t *)(buf + i));
    report("lhu");
    for (unsigned i = 0; i < sizeof buf; i += 4)
        mix((uint64_t)(int64_t) * (volatile int32_t *)(buf + i));
    report("lw");
    for (unsigned i = 0; i < sizeof buf; i += 4)
        mix(*(volatile uint32_t *)(buf + i));
    report("lwu");
    for (unsigned i = 0; i < sizeof buf; i += 8)
        mix(*(volatile uint64_t *)(buf + i));
    report("ld");

    /* A few in plain text, to read a wrong hash by (offsets where the sign bit is set). */
    cw_puts("lb[8] ");
    cw_print_int(*(volatile int8_t *)(buf + 8));
    cw_puts(" lbu[8] ");
    cw_print_int(*(volatile uint8_t *)(buf + 8));
    cw_puts(" lh[10] ");
    cw_print_int(*(volatile int16_t *)(buf + 10));
    cw_puts(" lhu[10] ");
    cw_print_int(*(volatile uint16_t *)(buf + 10));
    cw_puts(" lw[8] ");
    cw_print_int(*(volatile int32_t *)(buf + 8));
    cw_puts(" lwu[8] ");
    cw_print_int(*(volatile uint32_t *)(buf + 8));
    cw_puts(" ld[8] ");
    cw_print_hex(*(volatile uint64_t *)(buf + 8));
    cw_putc('\n');

    /* Stores write exactly their width, whatever the upper bits of the source register hold. */
    volatile uint64_t src = 0xf1e2d3c4b5a69788ULL;
    for (unsigned i = 0; i < 8; i++) {
        fill();
        *(volatile uint8_t *)(buf + 8 + i) = (uint8_t)(src >> i);
        *(volatile uint16_t *)(buf + 16 + 2 * (i & 3)) = (uint16_t)(src >> (4 * i));
        *(volatile uint32_t *)(buf + 24 + 4 * (i & 1)) = (uint32_t)(src >> (8 * i));
        *(volatile uint64_t *)(buf + 32) = src << i;
        for (unsigned k = 0; k < sizeof buf; k += 8)
            mix(*(volatile uint64_t *)(buf + k));
    }
    report("stores");
    dump();

    /* Byte-by-byte read-modify-write through a pointer walk (addi + sb/lb chains). */
    fill();
    for (volatile uint8_t *p = buf; p < buf + sizeof buf; p++)
        *p = (uint8_t)(*p + (uint8_t)(p - buf));
    dump();

    /* Negative offsets from a base register. */
    volatile int32_t *mid = (volatile int32_t *)(buf + 32);
    mid[-1] = -5;
    mid[-8] = 0x7fffffff;
    cw_puts("negative offsets: ");
    cw_print_int(mid[-1]);
    cw_putc(' ');
    cw_print_int(mid[-8]);
    cw_putc(' ');
    cw_print_int(((volatile int8_t *)mid)[-1]);
    cw_putc('\n');
    return 0;
}
