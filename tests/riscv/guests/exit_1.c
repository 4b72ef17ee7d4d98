/* Exit status 1 through the exit_group call (cw_exit), not by returning from main. */
#include "causeway.h"

int main(void)
{
    cw_puts("exiting with 1\n");
    cw_exit(1);
}
