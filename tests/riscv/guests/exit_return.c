/* Exit status from main's return value, which crt0 passes to exit_group. */
#include "causeway.h"

int main(void)
{
    cw_puts("returning 7 from main\n");
    return 7;
}
