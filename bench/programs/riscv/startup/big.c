/* The large guest of the start-up benchmark (bench/benches/riscv_peers.rs, `riscv_startup/big`):
 * about 100 KB of ELF (the benchmark's unit test keeps it within 90-120 KB), of which `main` runs
 * almost nothing. It measures what a runner pays for a program's size before its first
 * instruction: reading and mapping the file, and whatever per-code-byte set-up it does.
 *
 * The preprocessor generates the functions: six shapes (shift/xor loops, switches compiled to
 * jump tables, small constant tables, divisions and branches, a call through the table, a
 * byte-wise hash), each instantiated for 100 numbers, whose digits also make the constants, so
 * no two functions are identical (gcc -O2 merges identical functions). `cw_big_table` references
 * every one of them, which keeps them through --gc-sections; `main` calls one, prints a constant
 * line and exits with a status computed from its result.
 *
 * Built by build.sh (`startup/big.elf`, rv64imac only; `native/startup_big`); the output is in
 * big.expect. */
#include "causeway.h"

/* R100(M, p): M(p00) ... M(p99), the numbers built by pasting digits (p must not start with 0, so
 * that no number reads as octal). */
#define R10(M, p) M(p##0) M(p##1) M(p##2) M(p##3) M(p##4) M(p##5) M(p##6) M(p##7) M(p##8) M(p##9)
#define R100(M, p)                                                                                    \
    R10(M, p##0) R10(M, p##1) R10(M, p##2) R10(M, p##3) R10(M, p##4) R10(M, p##5) R10(M, p##6)        \
        R10(M, p##7) R10(M, p##8) R10(M, p##9)

typedef uint64_t (*big_fn)(uint64_t);
extern const big_fn cw_big_table[];
/* Entries that do not call through the table (the shapes A-D), so calls never recurse. */
#define LEAVES 400

/* A: a loop of shifts and xors, its trip count and shift from n. */
#define SHAPE_A(n)                                                                                    \
    static uint64_t fa##n(uint64_t x)                                                                 \
    {                                                                                                 \
        uint64_t h = x ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull);                                       \
        for (unsigned i = 0; i < (n % 7u) + 3u; i++)                                                  \
            h = (h << (n % 13u + 1u)) ^ (h >> 7) ^ (uint64_t)(i * n);                                 \
        for (unsigned i = 0; i < (n % 5u) + 2u; i++)                                                  \
            h = h * (n | 1u) + (h >> (n % 29u + 3u)) - i;                                             \
        return h;                                                                                     \
    }

/* B: a dense switch (a jump table in .rodata). */
#define SHAPE_B(n)                                                                                    \
    static uint64_t fb##n(uint64_t x)                                                                 \
    {                                                                                                 \
        switch ((x + n) & 15u) {                                                                      \
        case 0: return x * n;                                                                         \
        case 1: return x + (n << 3);                                                                  \
        case 2: return x ^ (n * 31u);                                                                 \
        case 3: return (x >> (n % 11u)) | n;                                                          \
        case 4: return x - n * 7u;                                                                    \
        case 5: return (x & 0xffffu) * (n + 3u);                                                      \
        case 6: return ~x + n;                                                                        \
        case 7: return x * x + n;                                                                     \
        case 8: return (x << (n % 9u)) - x;                                                           \
        case 9: return x / (n | 1u);                                                                  \
        case 10: return (x | n) & (x >> 5);                                                           \
        case 11: return x * 0x2545f4914f6cdd1dull + n;                                                \
        case 12: return (x % (n + 5u)) << 4;                                                          \
        case 13: return (x ^ (x >> 31)) * (n | 0x101u);                                               \
        case 14: return x + (x >> (n % 17u + 1u)) + n;                                                \
        default: return (x - n) ^ 0xdeadbeefu;                                                        \
        }                                                                                             \
    }

/* C: a small constant table per function. */
#define SHAPE_C(n)                                                                                    \
    static uint64_t fc##n(uint64_t x)                                                                 \
    {                                                                                                 \
        static const uint16_t k[8] = {n, n * 3u, n * 5u, n * 7u, n ^ 0x5a5u, n + 11u, n * 13u, 17u}; \
        uint64_t s = 0;                                                                               \
        for (unsigned i = 0; i < 8; i++)                                                              \
            s = s * 33u + k[(x + i) & 7u] * (x >> i);                                                 \
        return s;                                                                                     \
    }

/* D: divisions and data-dependent branches. */
#define SHAPE_D(n)                                                                                    \
    static uint64_t fd##n(uint64_t x)                                                                 \
    {                                                                                                 \
        uint64_t q = x / (n + 1u), r = x % (n + 2u);                                                  \
        if (r > n / 2u)                                                                               \
            q += r * (n | 1u);                                                                        \
        else if (q & 1u)                                                                              \
            q -= r << (n % 5u);                                                                       \
        else                                                                                          \
            q ^= 0x1234567u * n;                                                                      \
        return q + (x >> 3);                                                                          \
    }

/* E: a call through the table (of a leaf), mixed with its argument. */
#define SHAPE_E(n)                                                                                    \
    static uint64_t fe##n(uint64_t x)                                                                 \
    {                                                                                                 \
        uint64_t y = cw_big_table[(x + n) % LEAVES](x ^ n);                                           \
        return (y << (n % 3u)) + (x ^ (n * 0x10001u));                                                \
    }

/* F: a byte-wise hash of the argument (FNV-1a with a per-function basis). */
#define SHAPE_F(n)                                                                                    \
    static uint64_t ff##n(uint64_t x)                                                                 \
    {                                                                                                 \
        uint64_t h = 0xcbf29ce484222325ull ^ n;                                                       \
        for (unsigned i = 0; i < 8; i++, x >>= 8)                                                     \
            h = (h ^ (x & 0xffu)) * 0x100000001b3ull;                                                 \
        return h + n;                                                                                 \
    }

R100(SHAPE_A, 1)
R100(SHAPE_B, 2)
R100(SHAPE_C, 3)
R100(SHAPE_D, 4)
R100(SHAPE_E, 5)
R100(SHAPE_F, 6)

#define REF_A(n) fa##n,
#define REF_B(n) fb##n,
#define REF_C(n) fc##n,
#define REF_D(n) fd##n,
#define REF_E(n) fe##n,
#define REF_F(n) ff##n,

const big_fn cw_big_table[] = {
    R100(REF_A, 1) R100(REF_B, 2) R100(REF_C, 3) R100(REF_D, 4) R100(REF_E, 5) R100(REF_F, 6)};

#define FUNCTIONS (sizeof cw_big_table / sizeof cw_big_table[0])

int main(void)
{
    /* volatile: the choice is made at run time, so every entry stays reachable. One leaf runs; its
     * result is the exit status, so the .expect file checks it without any printing code. */
    volatile unsigned pick = 42;
    uint64_t v = cw_big_table[pick % FUNCTIONS](pick);
    cw_puts("startup_big: one call through the table\n");
    return (int)(v % 101u);
}
