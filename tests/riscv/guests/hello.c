/* The smallest useful guest: one write to stdout, exit 0 by returning from main. */
#include "causeway.h"

int main(void)
{
    cw_puts("Hello, world!\n");
    return 0;
}
