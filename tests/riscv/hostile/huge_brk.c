/* Absurd break requests must fail cleanly (brk returns the unchanged break), not crash the VM or
 * reserve the memory. The program then shows the heap still works. Expected: exit 0. */
#include "causeway.h"

static void try(const char *what, uintptr_t addr, char *before)
{
    char *got = cw_brk((void *)addr);
    cw_puts(what);
    cw_puts(got == before ? ": refused (break unchanged)\n" : got == (char *)addr ? ": granted\n" : ": other\n");
    if (got != before && got != 0)
        cw_brk(before); /* put it back for the next attempt */
}

int main(void)
{
    char *b0 = cw_brk(0);
#if __riscv_xlen == 64
    try("brk(1 << 62)", (uintptr_t)1 << 62, b0);
    try("brk(2^64 - 4096)", (uintptr_t)-4096, b0);
    try("brk(break + 2^47)", (uintptr_t)b0 + ((uintptr_t)1 << 47), b0);
#else
    try("brk(0xfffff000)", 0xfffff000u, b0);
    try("brk(break + 0xf0000000) (wraps)", (uintptr_t)b0 + 0xf0000000u, b0);
#endif
    try("brk(-1)", (uintptr_t)-1, b0);
    cw_puts(cw_brk(0) == b0 ? "break unchanged\n" : "break MOVED\n");
    char *b1 = cw_brk(b0 + 65536);
    cw_puts(b1 == b0 + 65536 ? "a normal request still works\n" : "a normal request FAILED\n");
    b0[65535] = 1;
    return 0;
}
