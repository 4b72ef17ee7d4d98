/* The GDB stub's end-to-end program (tests/all/gdb.rs): built with -O0 -g, so that gdb finds its
 * functions, lines and locals. cw-targets: rv64imac rv32imac */
#include "causeway.h"

static int square_sum(int n)
{
    int total = 0;
    for (int i = 1; i <= n; i++) {
        int square = i * i;
        total += square;
    }
    return total;
}

int main(void)
{
    int result = square_sum(4);
    cw_puts(result == 30 ? "square sum ok\n" : "square sum wrong\n");
    return 0;
}
