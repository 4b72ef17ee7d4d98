/* Deep and branching recursion: calls and returns through the stack (ra saved and restored), with
 * noinline so that gcc keeps real calls instead of turning the recursion into loops. */
#include "causeway.h"

#define NOINLINE __attribute__((noinline, noclone))

static NOINLINE uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static NOINLINE uint32_t ackermann(uint32_t m, uint32_t n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static uint64_t hanoi_moves;
static NOINLINE void hanoi(unsigned n, int from, int to, int via)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to);
    hanoi_moves += (uint64_t)(from * 3 + to); /* which moves, not only how many */
    hanoi(n - 1, via, to, from);
}

static NOINLINE int is_odd(unsigned n);
static NOINLINE int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static NOINLINE int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* A deep chain with a big frame, so that the stack really grows (about 1000 * 200 bytes). */
static NOINLINE uint64_t deep(unsigned n, uint64_t acc)
{
    volatile uint8_t frame[160];
    for (unsigned i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(n + i);
    if (n == 0)
        return acc;
    uint64_t r = deep(n - 1, acc * 31 + frame[n % sizeof frame]);
    return r + frame[(n * 7) % sizeof frame]; /* after the call: the frame must have survived */
}

/* Many live values across a call: they sit in callee-saved registers or spill slots. */
static NOINLINE uint32_t keep_alive(uint32_t depth, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e,
                                    uint32_t f, uint32_t g, uint32_t h)
{
    if (depth == 0)
        return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;
    uint32_t x = keep_alive(depth - 1, b, c, d, e, f, g, h, a + depth);
    return x * 3 + a + (b << 1) + (c << 2) + (d << 3) + (e << 4) + (f << 5) + (g << 6) + (h << 7);
}

static void show(const char *label, uint64_t v)
{
    cw_puts(label);
    cw_print_uint(v);
    cw_putc('\n');
}

int main(void)
{
    volatile uint32_t n = 24;
    show("fib(24) = ", fib(n));
    show("ackermann(2, 3) = ", ackermann(2, 3));
    show("ackermann(3, 3) = ", ackermann(3, 3));
    show("ackermann(3, 5) = ", ackermann(3, 5));
    hanoi(16, 0, 2, 1);
    show("hanoi(16) move sum = ", hanoi_moves);
    show("is_even(1001) = ", (uint64_t)is_even(1001));
    show("is_odd(777) = ", (uint64_t)is_odd(777));
    show("deep(1000) = ", deep(1000, 1));
    show("keep_alive(50) = ", keep_alive(50, 1, 2, 3, 4, 5, 6, 7, 8));
    return 0;
}
