/* Quicksort (median of three, insertion sort for small ranges) of 1M pseudo-random 32-bit keys,
 * several rounds: compare-and-swap loops with unpredictable branches over a 4 MiB array. */
#include "causeway.h"

#define N (1u << 20)
#define ROUNDS 8
static uint32_t v[N];

static void insertion(uint32_t *a, long n)
{
    for (long i = 1; i < n; i++) {
        uint32_t x = a[i];
        long j = i - 1;
        while (j >= 0 && a[j] > x) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = x;
    }
}

static void sort(uint32_t *a, long n)
{
    while (n > 16) {
        uint32_t x = a[0], y = a[n / 2], z = a[n - 1];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        long i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint32_t t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++, j--;
        }
        /* Recurse on the smaller side only: stack depth stays logarithmic. */
        if (j + 1 < n - j - 1) {
            sort(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            sort(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion(a, n);
}

int main(void)
{
    uint32_t x = 88172645;
    uint64_t checksum = 0;
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (uint32_t i = 0; i < N; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            v[i] = x;
        }
        sort(v, N);
        for (uint32_t i = 1; i < N; i++)
            if (v[i - 1] > v[i]) {
                cw_puts("quicksort: NOT SORTED\n");
                return 1;
            }
        for (uint32_t i = 0; i < N; i += 1024)
            checksum = checksum * 31 + v[i];
    }
    cw_puts("quicksort: sorted ");
    cw_print_uint((uint64_t)N * ROUNDS);
    cw_puts(" keys, checksum ");
    cw_print_hex_width(checksum, 16);
    cw_putc('\n');
    return 0;
}
