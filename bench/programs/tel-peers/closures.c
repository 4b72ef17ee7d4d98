/* TEL vs LuaJIT vs C benchmark (bench/benches/tel_peers.rs): a closure made by a function, capturing
 * its parameter, called 10^8 times in a while loop (closures.tel). Built with gcc -O2.
 * A closure is a heap record of a code pointer and the captured value; the program reaches it through
 * a volatile pointer, so gcc cannot see which code it calls and makes a real indirect call per
 * iteration, as a closure call is. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct closure {
    int64_t (*code)(const struct closure *self, int64_t x);
    int64_t k;
} closure;

static int64_t affine_code(const closure *self, int64_t x) { return x * self->k + 1; }

static closure *make_affine(int64_t k) {
    closure *c = malloc(sizeof *c);
    if (!c) abort();
    c->code = affine_code;
    c->k = k;
    return c;
}

static closure *volatile the_closure;

int main(void) {
    the_closure = make_affine(3);
    const closure *f = the_closure;
    int64_t acc = 0;
    int64_t i = 0;
    while (i < 100000000) {
        acc = acc + f->code(f, i % 1000);
        i = i + 1;
    }
    printf("%lld\n", (long long)acc);
    return 0;
}
