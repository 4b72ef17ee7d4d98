/* An indirect call to an address where nothing is mapped. Expected: SIGSEGV (an instruction fetch
 * fault), not a crash of the VM. */
#include "causeway.h"

int main(void)
{
    cw_puts("jumping to 0x2000\n");
    void (*volatile f)(void) = (void (*)(void))(uintptr_t)0x2000;
    f();
    cw_puts("not reached\n");
    return 0;
}
