/* N-queens by bitmask backtracking: deep recursion, bit tricks (x & -x), and unpredictable
 * branches. Counts all solutions for boards 1..N. */
#include "causeway.h"

#define MAX_N 14

static uint64_t solve(uint32_t cols, uint32_t diag1, uint32_t diag2, uint32_t all)
{
    if (cols == all)
        return 1;
    uint64_t count = 0;
    uint32_t free = all & ~(cols | diag1 | diag2);
    while (free) {
        uint32_t bit = free & (0u - free);
        free ^= bit;
        count += solve(cols | bit, (diag1 | bit) << 1, (diag2 | bit) >> 1, all);
    }
    return count;
}

int main(void)
{
    uint64_t total = 0;
    for (unsigned rep = 0; rep < 3; rep++) {
        for (unsigned n = 1; n <= MAX_N; n++) {
            uint64_t s = solve(0, 0, 0, (1u << n) - 1);
            total += s;
            if (rep == 0 && n >= 8) {
                cw_puts("nqueens(");
                cw_print_uint(n);
                cw_puts(") = ");
                cw_print_uint(s);
                cw_putc('\n');
            }
        }
    }
    cw_puts("nqueens: total ");
    cw_print_uint(total);
    cw_putc('\n');
    return 0;
}
