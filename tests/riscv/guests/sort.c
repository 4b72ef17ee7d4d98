/* A bigger program: 64 KiB of pseudo-random data sorted three ways (recursive quicksort,
 * bottom-up merge sort, heap sort), the results compared, and CRC-32 checksums printed. Exercises
 * sustained loads/stores over a working set larger than any small cache or TLB a JIT might keep,
 * and data-dependent branches. */
#include "causeway.h"

#define N 16384 /* uint32_t: 64 KiB */
static uint32_t data[N], a[N], b[N], c[N], tmp[N];

static uint32_t rng = 0x2545f491;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint32_t crc_table[256];
static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i;
        for (int k = 0; k < 8; k++)
            r = r & 1 ? (r >> 1) ^ 0xedb88320u : r >> 1;
        crc_table[i] = r;
    }
}
static uint32_t crc32(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint32_t r = 0xffffffffu;
    while (n--)
        r = crc_table[(r ^ *s++) & 0xff] ^ (r >> 8);
    return ~r;
}

static void quicksort(uint32_t *v, long lo, long hi)
{
    while (lo < hi) {
        uint32_t pivot = v[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                uint32_t t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        /* Recurse into the smaller half, loop on the larger: bounded stack depth. */
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
}

static void mergesort(uint32_t *v, uint32_t *scratch, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                scratch[k++] = v[i] <= v[j] ? v[i++] : v[j++];
            while (i < mid)
                scratch[k++] = v[i++];
            while (j < hi)
                scratch[k++] = v[j++];
        }
        cw_memcpy(v, scratch, n * sizeof *v);
    }
}

static void sift(uint32_t *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && v[child + 1] > v[child])
            child++;
        if (v[root] >= v[child])
            return;
        uint32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}
static void heapsort(uint32_t *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift(v, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        uint32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(v, 0, end);
    }
}

int main(void)
{
    crc_init();
    for (unsigned i = 0; i < N; i++)
        data[i] = next() % 1000003; /* some duplicates */
    cw_puts("input crc32: ");
    cw_print_hex_width(crc32(data, sizeof data), 8);
    cw_putc('\n');

    cw_memcpy(a, data, sizeof data);
    cw_memcpy(b, data, sizeof data);
    cw_memcpy(c, data, sizeof data);
    quicksort(a, 0, N - 1);
    mergesort(b, tmp, N);
    heapsort(c, N);

    int sorted = 1;
    for (unsigned i = 1; i < N; i++)
        sorted &= a[i - 1] <= a[i];
    cw_puts(sorted ? "quicksort: sorted\n" : "quicksort: NOT sorted\n");
    cw_puts(cw_memcmp(a, b, sizeof a) == 0 ? "mergesort agrees\n" : "mergesort DIFFERS\n");
    cw_puts(cw_memcmp(a, c, sizeof a) == 0 ? "heapsort agrees\n" : "heapsort DIFFERS\n");

    uint64_t sum = 0;
    unsigned distinct = 1;
    for (unsigned i = 0; i < N; i++) {
        sum += a[i];
        distinct += i && a[i] != a[i - 1];
    }
    cw_puts("sorted crc32: ");
    cw_print_hex_width(crc32(a, sizeof a), 8);
    cw_puts("\nmin ");
    cw_print_uint(a[0]);
    cw_puts(" median ");
    cw_print_uint(a[N / 2]);
    cw_puts(" max ");
    cw_print_uint(a[N - 1]);
    cw_puts(" sum ");
    cw_print_uint(sum);
    cw_puts(" distinct ");
    cw_print_uint(distinct);
    cw_putc('\n');
    return 0;
}
