/* Memory and string routines, including the calls gcc makes on its own: struct assignment and
 * large initializers become memcpy/memset calls into guest/rt.c, so those symbols must work (and
 * memmove must handle overlap in both directions). */
#include "causeway.h"

void *memmove(void *, const void *, size_t);
void *memcpy(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);

struct record {
    char name[40];
    uint32_t values[30];
    uint64_t stamp;
};

static __attribute__((noinline)) struct record make(const char *name, uint32_t seed)
{
    struct record r = {0}; /* a memset call */
    unsigned i = 0;
    for (; name[i] && i < sizeof r.name - 1; i++)
        r.name[i] = name[i];
    for (unsigned k = 0; k < 30; k++)
        r.values[k] = seed * (k + 1);
    r.stamp = (uint64_t)seed << 33 | seed;
    return r; /* returned through memory: a memcpy call */
}

static uint32_t sum_record(const struct record *r)
{
    uint32_t s = (uint32_t)r->stamp ^ (uint32_t)(r->stamp >> 32);
    for (unsigned k = 0; k < 30; k++)
        s += r->values[k];
    for (unsigned k = 0; k < sizeof r->name; k++)
        s = s * 31 + (uint8_t)r->name[k];
    return s;
}

static void reverse(char *s)
{
    size_t n = cw_strlen(s);
    for (size_t i = 0; i < n / 2; i++) {
        char t = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = t;
    }
}

static int64_t parse(const char *s)
{
    int64_t sign = 1, v = 0;
    if (*s == '-')
        sign = -1, s++;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return sign * v;
}

int main(void)
{
    struct record a = make("alpha", 3), b = make("a somewhat longer record name", 1000003);
    struct record c = a; /* struct copy */
    cw_puts("records: ");
    cw_print_hex(sum_record(&a));
    cw_putc(' ');
    cw_print_hex(sum_record(&b));
    cw_putc(' ');
    cw_print_int(memcmp(&a, &c, sizeof a) == 0);
    cw_putc('\n');

    char buf[64];
    memcpy(buf, "0123456789abcdefghij", 21);
    memmove(buf + 4, buf, 10); /* overlapping, forwards */
    cw_puts(buf);
    cw_putc('\n');
    memcpy(buf, "0123456789abcdefghij", 21);
    memmove(buf, buf + 6, 10); /* overlapping, backwards */
    cw_puts(buf);
    cw_putc('\n');
    memset(buf + 3, '*', 5);
    cw_puts(buf);
    cw_putc('\n');

    char word[] = "causeway: a JIT VM";
    reverse(word);
    cw_puts(word);
    cw_puts("\nstrlen: ");
    cw_print_uint(cw_strlen(word));
    cw_puts("\nstrcmp: ");
    cw_print_int(cw_strcmp("abc", "abd") < 0);
    cw_print_int(cw_strcmp("abc", "abc") == 0);
    cw_print_int(cw_strcmp("b", "abc") > 0);
    cw_puts("\nparse: ");
    cw_print_int(parse("-9223372036854775807") + parse("12345"));
    cw_putc('\n');

    /* Odd lengths and alignments through the rt.c symbols. */
    static uint8_t src[300], dst[300];
    for (unsigned i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 13 + 1);
    uint32_t h = 0;
    for (unsigned off = 0; off < 8; off++)
        for (unsigned n = 0; n < 40; n += 3) {
            memset(dst, 0xee, sizeof dst);
            memcpy(dst + off, src + 7 - off, n);
            for (unsigned i = 0; i < 60; i++)
                h = h * 33 + dst[i];
        }
    cw_puts("memcpy sweep: ");
    cw_print_hex(h);
    cw_putc('\n');
    return 0;
}
