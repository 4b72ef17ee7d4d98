/* Integer arithmetic over 32- and 64-bit operands: every pair of a table of boundary values goes
 * through each operation, and each operation prints a hash of its results. Fixed-width types make
 * the output the same on RV32 (where 64-bit operations become multi-instruction sequences and
 * libgcc calls) and RV64 (where 32-bit operations use the *w instructions). */
#include "causeway.h"

static volatile uint64_t values[] = {
    0, 1, 2, 3, 7, 0x7f, 0x80, 0xff, 0x100, 0x7ff, 0x800, 0x7fff, 0x8000, 0xffff, 0x12345678,
    0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x100000000, 0x123456789abcdef0,
    0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffffffe, 0xffffffffffffffff,
    0xdeadbeefcafebabe, 0x0f0f0f0f0f0f0f0f, 0xffffffff80000000, 0xfffffffffffff800,
};
#define N (sizeof values / sizeof values[0])

static uint64_t hash;
#include "fnv.h"

#define BINOP32(name, expr)                                                                        \
    for (unsigned i = 0; i < N; i++)                                                               \
        for (unsigned j = 0; j < N; j++) {                                                         \
            int32_t a = (int32_t)values[i], b = (int32_t)values[j];                                \
            uint32_t ua = (uint32_t)a, ub = (uint32_t)b;                                           \
            (void)a, (void)b, (void)ua, (void)ub;                                                  \
            mix((uint64_t)(int64_t)(expr));                                                        \
        }                                                                                          \
    report(name)

#define BINOP64(name, expr)                                                                        \
    for (unsigned i = 0; i < N; i++)                                                               \
        for (unsigned j = 0; j < N; j++) {                                                         \
            int64_t a = (int64_t)values[i], b = (int64_t)values[j];                                \
            uint64_t ua = (uint64_t)a, ub = (uint64_t)b;                                           \
            (void)a, (void)b, (void)ua, (void)ub;                                                  \
            mix((uint64_t)(expr));                                                                 \
        }                                                                                          \
    report(name)

#define UNOP32(name, expr)                                                                         \
    for (unsigned i = 0; i < N; i++) {                                                             \
        int32_t a = (int32_t)values[i];                                                            \
        uint32_t ua = (uint32_t)a;                                                                 \
        (void)ua;                                                                                  \
        mix((uint64_t)(int64_t)(expr));                                                            \
    }                                                                                              \
    report(name)

#define UNOP64(name, expr)                                                                         \
    for (unsigned i = 0; i < N; i++) {                                                             \
        int64_t a = (int64_t)values[i];                                                            \
        uint64_t ua = (uint64_t)a;                                                                 \
        (void)ua;                                                                                  \
        mix((uint64_t)(expr));                                                                     \
    }                                                                                              \
    report(name)

int main(void)
{
    hash = 0xcbf29ce484222325ULL;

    /* Wrapping arithmetic is done on unsigned types: signed overflow would be undefined in C. */
    BINOP32("add32", ua + ub);
    BINOP32("sub32", ua - ub);
    BINOP32("and32", a & b);
    BINOP32("or32", a | b);
    BINOP32("xor32", a ^ b);
    BINOP32("mul32", ua * ub);
    BINOP32("divu32", ub ? ua / ub : 0);
    BINOP32("remu32", ub ? ua % ub : 0);
    BINOP32("div32", b && !(a == INT32_MIN && b == -1) ? a / b : 0);
    BINOP32("rem32", b && !(a == INT32_MIN && b == -1) ? a % b : 0);
    UNOP32("neg32", 0u - ua);
    UNOP32("not32", ~a);
    UNOP32("addi32", ua + 2047u);
    UNOP32("subi32", ua - 2048u);
    UNOP32("addbig32", ua + 0x12345u);
    UNOP32("andi32", a & -2048);
    UNOP32("ori32", a | 0x5a5);
    UNOP32("xori32", a ^ -1366);
    UNOP32("muli32", ua * 10u);
    UNOP32("divi32", a / 7);
    UNOP32("remi32", a % -10);
    UNOP32("sext8", (int8_t)a);
    UNOP32("sext16", (int16_t)a);
    UNOP32("zext8", (uint8_t)a);
    UNOP32("zext16", (uint16_t)a);

    BINOP64("add64", ua + ub);
    BINOP64("sub64", ua - ub);
    BINOP64("and64", a & b);
    BINOP64("or64", a | b);
    BINOP64("xor64", a ^ b);
    BINOP64("mul64", ua * ub);
    BINOP64("divu64", ub ? ua / ub : 0);
    BINOP64("remu64", ub ? ua % ub : 0);
    BINOP64("div64", b && !(a == INT64_MIN && b == -1) ? a / b : 0);
    BINOP64("rem64", b && !(a == INT64_MIN && b == -1) ? a % b : 0);
    BINOP64("mixed", (int64_t)(int32_t)a * (int64_t)(uint32_t)b + (ua >> 3) - (ub << 5));
    UNOP64("neg64", 0 - ua);
    UNOP64("not64", ~a);
    UNOP64("addi64", ua + 2047);
    UNOP64("subi64", ua - 2048);
    UNOP64("addbig64", ua + 0x123456789ULL);
    UNOP64("andi64", a & -2048);
    UNOP64("muli64", ua * 1000003ULL);
    UNOP64("divi64", a / 1000);
    UNOP64("remi64", a % 1000);
    UNOP64("sext32", (int64_t)(int32_t)a);
    UNOP64("zext32", (uint64_t)(uint32_t)a);

    /* A few plain values, so a wrong hash can be traced to something readable. */
    volatile int64_t x = -123456789012345LL, y = 9876;
    cw_puts("x*y = ");
    cw_print_int(x * y);
    cw_puts("\nx/y = ");
    cw_print_int(x / y);
    cw_puts("\nx%y = ");
    cw_print_int(x % y);
    cw_puts("\n(uint64)x/y = ");
    cw_print_uint((uint64_t)x / (uint64_t)y);
    cw_puts("\n(int32)x = ");
    cw_print_int((int32_t)x);
    cw_putc('\n');
    return 0;
}
