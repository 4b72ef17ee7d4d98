/* A store into read-only data. The table is deliberately larger than gcc's small-data limit
 * (8 bytes): small constants go to .srodata, which the RISC-V linker script places with the
 * writable small data (.sdata), where a store would succeed. Expected: SIGSEGV. */
#include "causeway.h"

static const uint32_t table[16] = {42, 43, 44};

int main(void)
{
    cw_puts("storing into .rodata\n");
    *(volatile uint32_t *)&table[1] = 7;
    cw_puts("not reached\n");
    return 0;
}
