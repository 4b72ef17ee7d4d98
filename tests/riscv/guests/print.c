/* The header's number formatting at the edges of int64/uint64, which every other test relies on. */
#include "causeway.h"

static void line(const char *label, int64_t v)
{
    cw_puts(label);
    cw_print_int(v);
    cw_putc(' ');
    cw_print_uint((uint64_t)v);
    cw_putc(' ');
    cw_print_hex((uint64_t)v);
    cw_putc(' ');
    cw_print_shex(v);
    cw_putc('\n');
}

int main(void)
{
    static const int64_t values[] = {
        0, 1, -1, 9, 10, 99, 100, 12345, -12345, 0x7fffffff, -0x7fffffff - 1, 0xffffffff, 0x100000000,
        INT64_MAX, INT64_MIN, INT64_MIN + 1, 1000000000000000000, -999999999999999999,
    };
    for (unsigned i = 0; i < sizeof values / sizeof values[0]; i++)
        line("v: ", values[i]);
    cw_print_hex_width(0xab, 8);
    cw_putc('\n');
    cw_print_hex_width(0, 4);
    cw_putc('\n');
    cw_puts("strlen(\"causeway\") = ");
    cw_print_int((int64_t)cw_strlen("causeway"));
    cw_putc('\n');
    return 0;
}
