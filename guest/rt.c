/*
 * rt.c: the few symbols gcc itself may call in a freestanding program (memcpy, memset, memmove,
 * memcmp, for struct copies, large initializers and loops it recognizes), plus out-of-line print
 * helpers for assembly-language guests, which cannot use causeway.h's inline functions.
 *
 * Build with -ffunction-sections and link with --gc-sections so guests that need none of this
 * carry none of it.
 */
#include "causeway.h"

/* gcc recognizes these very loops as memcpy/memset and would compile them into calls to
 * themselves; turning that pattern matching off here is what makes them safe to write in C. */
#if defined(__GNUC__) && !defined(__clang__)
#define CW_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define CW_NO_LIBCALLS
#endif

CW_NO_LIBCALLS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

CW_NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--)
            *--d = *--s;
    }
    return dst;
}

CW_NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

CW_NO_LIBCALLS int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

/* For assembly guests: register-width values, printed with the same text as the C helpers. */
void cw_rt_puts(const char *s) { cw_puts(s); }
void cw_rt_print_int(long v) { cw_print_int(v); }
void cw_rt_print_hex(unsigned long v) { cw_print_hex(v); }
