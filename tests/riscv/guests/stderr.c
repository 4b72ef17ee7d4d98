/* stdout and stderr are separate streams; the write results (byte counts) go to stdout. */
#include "causeway.h"

int main(void)
{
    long a = cw_puts("stdout line 1\n");
    long b = cw_eputs("stderr line 1\n");
    long c = cw_write(2, "stderr line 2 (partial buffer)\nXXXX", 31);
    long d = cw_write(1, "", 0);
    cw_puts("stdout line 2\n");
    cw_puts("write results: ");
    cw_print_int(a);
    cw_putc(' ');
    cw_print_int(b);
    cw_putc(' ');
    cw_print_int(c);
    cw_putc(' ');
    cw_print_int(d);
    cw_putc('\n');
    return 0;
}
