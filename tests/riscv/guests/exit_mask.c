/* Only the low 8 bits of the status survive: 0x1234 exits with 0x34 (52). */
#include "causeway.h"

int main(void)
{
    cw_puts("exiting with 0x1234\n");
    cw_exit(0x1234);
}
