/* A store to an address far from the image, the break and (under qemu-user, on both widths) the
 * stack. Expected: SIGSEGV, and the store must not land anywhere. */
#include "causeway.h"

int main(void)
{
    cw_puts("storing to 0x30000000\n");
    volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)0x30000000;
    *p = 0xdeadbeef;
    cw_puts("not reached\n");
    return 0;
}
