/* A load from an address nothing is mapped at (below the program image, where Linux never maps
 * anything). Expected: the program dies of SIGSEGV after its first line. */
#include "causeway.h"

int main(void)
{
    cw_puts("loading from 0x1000\n");
    volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)0x1000;
    uint32_t v = *p;
    cw_puts("not reached: ");
    cw_print_hex(v);
    cw_putc('\n');
    return 0;
}
