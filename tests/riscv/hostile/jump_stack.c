/* Calling into the stack, which holds valid instructions but is not executable. Expected: SIGSEGV. */
#include "causeway.h"

int main(void)
{
    cw_puts("jumping into the stack\n");
    volatile uint32_t code[2] = {0x02a00513, 0x00008067}; /* li a0, 42; ret */
    int (*volatile f)(void) = (int (*)(void))(uintptr_t)code;
    int r = f();
    cw_puts("not reached: ");
    cw_print_int(r);
    cw_putc('\n');
    return 0;
}
