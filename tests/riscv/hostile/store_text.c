/* A store into the program's own code (main's first instruction). Text is mapped read+execute,
 * so this must fault rather than modify code the JIT may already have translated.
 * Expected: SIGSEGV. */
#include "causeway.h"

int main(void)
{
    cw_puts("storing into .text\n");
    volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)&main;
    *p = 0x00000013; /* nop */
    cw_puts("not reached\n");
    return 0;
}
