/* Indirect control flow: calls through a table of function pointers (jalr), a dense switch that
 * gcc compiles to a jump table (load + jr), a computed-goto interpreter (one jr per dispatched
 * instruction), and function pointers passed as arguments and returned as results. */
#include "causeway.h"

#define NOINLINE __attribute__((noinline, noclone))

static NOINLINE int64_t op_add(int64_t a, int64_t b) { return a + b; }
static NOINLINE int64_t op_sub(int64_t a, int64_t b) { return a - b; }
static NOINLINE int64_t op_mul(int64_t a, int64_t b) { return a * b; }
static NOINLINE int64_t op_xor(int64_t a, int64_t b) { return a ^ b; }
static NOINLINE int64_t op_max(int64_t a, int64_t b) { return a > b ? a : b; }

typedef int64_t (*binop)(int64_t, int64_t);
static binop const table[] = {op_add, op_sub, op_mul, op_xor, op_max};

static NOINLINE int64_t fold(binop f, const int64_t *v, unsigned n, int64_t acc)
{
    for (unsigned i = 0; i < n; i++)
        acc = f(acc, v[i]);
    return acc;
}

static NOINLINE binop pick(unsigned i) { return table[i % (sizeof table / sizeof table[0])]; }

/* Dense cases: gcc -O2 uses a jump table for this. */
static NOINLINE uint32_t dispatch(uint32_t op, uint32_t x)
{
    switch (op) {
    case 0: return x + 1;
    case 1: return x * 3;
    case 2: return x ^ 0xdeadbeef;
    case 3: return x >> 3;
    case 4: return x << 5;
    case 5: return ~x;
    case 6: return x - 77;
    case 7: return x * x;
    case 8: return (x << 16) | (x >> 16);
    case 9: return x & 0xff00ff;
    case 10: return x | 0x11;
    case 11: return x / 3;
    case 12: return x % 1000;
    case 13: return x + (x >> 7);
    default: return 12345;
    }
}

/* A little stack machine dispatched with computed goto (GNU labels as values). */
enum { PUSH, ADD, MUL, DUP, SWAP, JNZ_DEC, POP, HALT };
static NOINLINE int64_t run(const int32_t *code)
{
    static void *const labels[] = {&&l_push, &&l_add, &&l_mul, &&l_dup, &&l_swap, &&l_jnz_dec, &&l_pop, &&l_halt};
    int64_t stack[16];
    int sp = 0;
    const int32_t *pc = code;
#define NEXT goto *labels[*pc++]
    NEXT;
l_push:
    stack[sp++] = *pc++;
    NEXT;
l_add:
    sp--;
    stack[sp - 1] += stack[sp];
    NEXT;
l_mul:
    sp--;
    stack[sp - 1] *= stack[sp];
    NEXT;
l_dup:
    stack[sp] = stack[sp - 1];
    sp++;
    NEXT;
l_swap: {
    int64_t t = stack[sp - 1];
    stack[sp - 1] = stack[sp - 2];
    stack[sp - 2] = t;
    NEXT;
}
l_jnz_dec: { /* decrement the counter below the top; jump back while it is not zero */
    int32_t target = *pc++;
    if (--stack[sp - 2] != 0)
        pc = code + target;
    NEXT;
}
l_pop:
    sp--;
    NEXT;
l_halt:
    return stack[sp - 1];
#undef NEXT
}

int main(void)
{
    static const int64_t v[] = {3, -7, 11, 1000000007, -42, 5, 0x7fffffff, 9};
    for (unsigned i = 0; i < 7; i++) {
        volatile unsigned k = i;
        cw_puts("fold with op ");
        cw_print_uint(k % 5);
        cw_puts(": ");
        cw_print_int(fold(pick(k), v, sizeof v / sizeof v[0], 1));
        cw_putc('\n');
    }

    uint32_t x = 0x12345678, sum = 0;
    for (volatile uint32_t op = 0; op < 200; op++) {
        x = dispatch((op * 7) % 16, x);
        sum += x;
    }
    cw_puts("switch: ");
    cw_print_hex(x);
    cw_putc(' ');
    cw_print_hex(sum);
    cw_putc('\n');

    /* counter = 20; acc = 1; loop: acc = acc * 3 + 1 while --counter. */
    static const int32_t prog[] = {PUSH, 20, PUSH, 1, /* loop at 4 */ PUSH, 3, MUL, PUSH, 1, ADD, JNZ_DEC, 4, SWAP, POP, HALT};
    cw_puts("interpreter: ");
    cw_print_int(run(prog));
    cw_putc('\n');
    return 0;
}
