/* The program break: brk(0) queries, growing, using the new memory, shrinking, growing again,
 * refusing to go below the initial break, and cw_malloc on top. Addresses are never printed (the
 * break's position is the runtime's business, as is Linux's randomization of it); only relations
 * and offsets are. */
#include "causeway.h"

static void say(const char *what, int ok)
{
    cw_puts(what);
    cw_puts(ok ? ": yes\n" : ": NO\n");
}

int main(void)
{
    char *b0 = cw_brk(0);
    say("brk(0) is non-zero", b0 != 0);
    say("brk(0) again is the same", cw_brk(0) == b0);
    extern char _end[]; /* set by the default linker script: the end of .bss */
    say("initial break is at or above the end of .bss", b0 >= _end);
    say("brk(current) keeps it", cw_brk(b0) == b0);

    /* Grow by an odd amount: the break is byte-granular even though mappings are pages. */
    char *b1 = cw_brk(b0 + 100001);
    say("grow by 100001", b1 == b0 + 100001);
    say("brk(0) sees the growth", cw_brk(0) == b1);

    /* Fresh memory is zero, and all of it is writable. */
    int zero = 1;
    for (char *p = b0; p < b1; p++)
        zero &= *p == 0;
    say("new memory is zero", zero);
    uint32_t sum = 0;
    for (char *p = b0; p < b1; p++)
        *p = (char)((p - b0) * 7);
    for (char *p = b0; p < b1; p++)
        sum = sum * 31 + (uint8_t)*p;
    cw_puts("checksum of written memory: ");
    cw_print_hex(sum);
    cw_putc('\n');

    /* Shrink, then grow past where we were: memory never handed out before must be zero. */
    char *b2 = cw_brk(b0 + 5000);
    say("shrink to +5000", b2 == b0 + 5000);
    char *b3 = cw_brk(b0 + 300000);
    say("grow to +300000", b3 == b0 + 300000);
    zero = 1;
    for (char *p = b0 + 200000; p < b3; p++)
        zero &= *p == 0;
    say("never-used memory is zero", zero);
    b3[-1] = 1;
    say("last byte writable", b3[-1] == 1);

    /* Linux refuses to move the break below where it started. */
    say("brk below the start is refused", cw_brk(b0 - 4096) == b3);
    say("brk(1) is refused", cw_brk((void *)1) == b3);

    /* The allocator on top: blocks are 16-byte aligned, disjoint, and usable. */
    uint32_t *blocks[50];
    int aligned = 1;
    for (unsigned i = 0; i < 50; i++) {
        blocks[i] = cw_malloc(100 + i * 1000);
        aligned &= ((uintptr_t)blocks[i] & 15) == 0;
        for (unsigned k = 0; k < (100 + i * 1000) / 4; k++)
            blocks[i][k] = i * 100000 + k;
    }
    say("malloc blocks are aligned", aligned);
    int intact = 1;
    for (unsigned i = 0; i < 50; i++)
        for (unsigned k = 0; k < (100 + i * 1000) / 4; k++)
            intact &= blocks[i][k] == i * 100000 + k;
    say("malloc blocks are disjoint", intact);
    say("malloc memory is above the old break", (char *)blocks[0] >= b3);
    uint8_t *z = cw_calloc(1000, 3);
    int zeroed = z != 0;
    for (unsigned i = 0; z && i < 3000; i++)
        zeroed &= z[i] == 0;
    say("calloc memory is zero", zeroed);
    return 0;
}
