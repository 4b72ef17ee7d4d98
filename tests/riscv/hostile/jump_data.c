/* Calling into writable data that holds valid instructions (li a0, 42; ret). Data is mapped
 * without execute permission, so fetching from it faults. Expected: SIGSEGV. */
#include "causeway.h"

static uint32_t code[] = {0x02a00513, 0x00008067}; /* li a0, 42; ret */

int main(void)
{
    cw_puts("jumping into .data\n");
    int (*volatile f)(void) = (int (*)(void))(uintptr_t)code;
    int r = f();
    cw_puts("not reached: ");
    cw_print_int(r);
    cw_putc('\n');
    return 0;
}
