/* The check hash of the corpus programs that print one hash per group of results: FNV-1a over
 * the 8 bytes of each value, order-sensitive, so a single wrong value shows. The including file
 * defines `static uint64_t hash` with its starting value; `report` prints it and restarts. */
#ifndef CW_TEST_FNV_H
#define CW_TEST_FNV_H

static inline void mix(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        hash ^= (v >> (8 * i)) & 0xff;
        hash *= 0x100000001b3ULL;
    }
}

static inline void report(const char *name)
{
    cw_puts(name);
    cw_putc(' ');
    cw_print_hex_width(hash, 16);
    cw_putc('\n');
    hash = 0xcbf29ce484222325ULL;
}

#endif
