/* A formatted table of results, built line by line in a buffer and written once per line: n, n^2,
 * n^3, n!, fib(n), primality, the Collatz stopping time and the popcount of a hash. Lots of
 * division by ten, 64-bit products and string handling in one readable output. */
#include "causeway.h"

static char line[128];
static unsigned len;

static void put_str(const char *s)
{
    while (*s)
        line[len++] = *s++;
}

/* Right-aligned in `width` columns. */
static void put_u64(uint64_t v, unsigned width)
{
    char digits[24];
    unsigned n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (width > n) {
        line[len++] = ' ';
        width--;
    }
    while (n)
        line[len++] = digits[--n];
}

static void flush(void)
{
    line[len++] = '\n';
    cw_write(1, line, len);
    len = 0;
}

static int is_prime(uint32_t n)
{
    if (n < 2)
        return 0;
    for (uint32_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

static unsigned collatz(uint64_t n)
{
    unsigned steps = 0;
    while (n != 1) {
        n = n & 1 ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}

int main(void)
{
    put_str(" n    n^2      n^3                    n!        fib(n) prime collatz pop");
    flush();
    put_str("-- ------ -------- --------------------- ------------- ----- ------- ---");
    flush();
    uint64_t fact = 1, fa = 0, fb = 1;
    for (uint32_t n = 1; n <= 20; n++) {
        fact *= n;
        uint64_t f = fb;
        fb = fa + fb;
        fa = f;
        put_u64(n, 2);
        put_u64((uint64_t)n * n, 7);
        put_u64((uint64_t)n * n * n, 9);
        put_u64(fact, 22);
        put_u64(fa, 14);
        put_str(is_prime(n) ? "   yes" : "    no");
        put_u64(collatz(n * 27), 8);
        put_u64((uint64_t)__builtin_popcountll((uint64_t)n * 0x9e3779b97f4a7c15ULL), 4);
        flush();
    }
    return 0;
}
