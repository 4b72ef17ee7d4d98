/* A negative status is masked too: -1 from main exits with 255. */
#include "causeway.h"

int main(void)
{
    cw_puts("returning -1 from main\n");
    return -1;
}
