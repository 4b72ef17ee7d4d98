/* Calling-convention corners: more arguments than argument registers (the rest go on the stack),
 * 64-bit arguments on RV32 (register pairs, split between a7 and the stack), variadic functions
 * (which spill a0-a7 to the stack and walk them), and small structs passed and returned by value. */
#include "causeway.h"
#include <stdarg.h>

#define NOINLINE __attribute__((noinline, noclone))

static NOINLINE int64_t many(int32_t a, int64_t b, int32_t c, int64_t d, int32_t e, int64_t f, int32_t g,
                             int64_t h, int32_t i, int64_t j, int32_t k, int64_t l)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j + 11 * k + 12 * l;
}

static NOINLINE int64_t sum(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    int64_t s = 0;
    for (int i = 0; i < n; i++) {
        /* Alternate widths: on RV32 a variadic int64 is aligned to an even register pair. */
        if (i & 1)
            s += va_arg(ap, int64_t);
        else
            s += va_arg(ap, int32_t);
    }
    va_end(ap);
    return s;
}

static NOINLINE void format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            cw_write(1, fmt, 1);
            continue;
        }
        switch (*++fmt) {
        case 'd': cw_print_int(va_arg(ap, int)); break;
        case 'L': cw_print_int(va_arg(ap, int64_t)); break;
        case 'x': cw_print_hex(va_arg(ap, unsigned)); break;
        case 's': cw_puts(va_arg(ap, const char *)); break;
        case 'c': cw_putc((char)va_arg(ap, int)); break;
        default: cw_putc('?');
        }
    }
    va_end(ap);
}

struct pair {
    int32_t lo, hi;
};
struct quad {
    int64_t a, b, c, d; /* too big for registers: passed and returned by reference */
};

static NOINLINE struct pair swap(struct pair p) { return (struct pair){p.hi, p.lo}; }
static NOINLINE struct quad rotate(struct quad q, int64_t extra)
{
    return (struct quad){q.b, q.c, q.d, q.a + extra};
}

int main(void)
{
    volatile int32_t one = 1;
    cw_puts("many: ");
    cw_print_int(many(one, -2, 3, 0x100000000LL, 5, -6, 7, 0x7fffffffLL, 9, -10, 11, INT64_MIN / 16));
    cw_puts("\nsum: ");
    cw_print_int(sum(9, 1, (int64_t)2 << 40, 3, (int64_t)-4, 5, (int64_t)6 << 33, 7, -((int64_t)8 << 50), 9));
    cw_putc('\n');
    format("format: %d %L %x %s %c|%d\n", -42, -((int64_t)1 << 40), 0xbeefu, "str", 'Z', one);
    struct pair p = swap((struct pair){one, 2});
    struct quad q = rotate((struct quad){1, 2, 3, 4}, one * 100);
    format("structs: %d %d | %L %L %L %L\n", p.lo, p.hi, q.a, q.b, q.c, q.d);
    return 0;
}
