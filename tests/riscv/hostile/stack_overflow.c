/* Unbounded recursion: the stack runs into its guard region. Expected: SIGSEGV (after however
 * many frames the stack holds; the output does not depend on that). */
#include "causeway.h"

static __attribute__((noinline)) uint64_t down(uint64_t n)
{
    volatile uint8_t frame[256];
    if (n == UINT64_MAX) /* never: only keeps the recursion from looking infinite to gcc */
        return 0;
    frame[n % 256] = (uint8_t)n;
    return down(n + 1) + frame[(n * 7) % 256];
}

int main(void)
{
    cw_puts("recursing without end\n");
    return (int)down(0);
}
