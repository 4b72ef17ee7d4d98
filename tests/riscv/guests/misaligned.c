/* Misaligned loads and stores. Linux lets user programs make them (the hardware or the kernel's
 * trap handler completes them) and qemu-user does too, so a Linux-compatible VM must. gcc never
 * emits them for RISC-V by default, hence inline asm. Each access is checked against the same value
 * assembled from bytes. */
#include "causeway.h"

static uint8_t buf[32] __attribute__((aligned(8)));

#define LOAD(insn, type)                                                                           \
    static long insn##_at(const void *p)                                                           \
    {                                                                                              \
        long r;                                                                                    \
        __asm__ volatile(#insn " %0, 0(%1)" : "=r"(r) : "r"(p) : "memory");                        \
        return r;                                                                                  \
    }
#define STORE(insn)                                                                                \
    static void insn##_at(void *p, long v) { __asm__ volatile(#insn " %1, 0(%0)" : : "r"(p), "r"(v) : "memory"); }

LOAD(lh, int16_t)
LOAD(lhu, uint16_t)
LOAD(lw, int32_t)
STORE(sh)
STORE(sw)
#if __riscv_xlen == 64
LOAD(lwu, uint32_t)
LOAD(ld, int64_t)
STORE(sd)
#endif

static uint64_t bytes(unsigned off, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)buf[off + i] << (8 * i);
    return v;
}

static unsigned errors;
static void check(const char *what, unsigned off, uint64_t got, uint64_t want)
{
    if (got == want)
        return;
    errors++;
    cw_puts("MISMATCH ");
    cw_puts(what);
    cw_puts(" at ");
    cw_print_uint(off);
    cw_puts(": ");
    cw_print_hex(got);
    cw_puts(" != ");
    cw_print_hex(want);
    cw_putc('\n');
}

static void fill(void)
{
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(0xf1 - 0x13 * i);
}

int main(void)
{
    fill();
    for (unsigned off = 1; off < 8; off++) {
        check("lh", off, (uint64_t)lh_at(buf + off), (uint64_t)(int64_t)(int16_t)bytes(off, 2));
        check("lhu", off, (uint64_t)lhu_at(buf + off), bytes(off, 2));
        check("lw", off, (uint64_t)lw_at(buf + off), (uint64_t)(int64_t)(int32_t)bytes(off, 4));
#if __riscv_xlen == 64
        check("lwu", off, (uint64_t)lwu_at(buf + off), bytes(off, 4));
        check("ld", off, (uint64_t)ld_at(buf + off), bytes(off, 8));
#endif
    }
    /* One across a 4 KiB page boundary too, where an implementation splitting at pages could slip. */
    static uint8_t page[8192] __attribute__((aligned(4096)));
    for (unsigned i = 0; i < 8; i++)
        page[4093 + i] = (uint8_t)(0xa0 + i);
    cw_puts("lw across a page boundary: ");
    cw_print_hex((uint32_t)lw_at(page + 4094));
    cw_putc('\n');

    for (unsigned off = 1; off < 8; off++) {
        fill();
        sh_at(buf + off, (long)0x1234abcd);
        check("sh", off, bytes(off, 2), 0xabcd);
        check("sh neighbours", off, bytes(off - 1, 1) | bytes(off + 2, 1) << 8,
              (uint8_t)(0xf1 - 0x13 * (off - 1)) | (uint64_t)(uint8_t)(0xf1 - 0x13 * (off + 2)) << 8);
        fill();
        sw_at(buf + off, (long)0x89abcdef);
        check("sw", off, bytes(off, 4), 0x89abcdef);
#if __riscv_xlen == 64
        fill();
        sd_at(buf + off, (long)0x0123456789abcdefL);
        check("sd", off, bytes(off, 8), 0x0123456789abcdefULL);
#endif
    }
    cw_puts(errors ? "misaligned accesses: FAILED\n" : "misaligned accesses: ok\n");
    return errors != 0;
}
