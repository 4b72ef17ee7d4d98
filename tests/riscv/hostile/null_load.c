/* A load through a null pointer (the classic bug). Expected: SIGSEGV. */
#include "causeway.h"

int main(void)
{
    cw_puts("loading from NULL\n");
    volatile uint64_t *volatile p = 0;
    uint64_t v = *p;
    cw_puts("not reached: ");
    cw_print_hex(v);
    cw_putc('\n');
    return 0;
}
