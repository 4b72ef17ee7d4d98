/* TEL vs LuaJIT vs C benchmark (bench/benches/tel_peers.rs): an effect performed 10^8 times in a loop
 * under a resuming handler (effect_loop.tel). Built with gcc -O2. `perform` is a call through the
 * handler pointer installed at run time; the pointer is volatile, so gcc reloads it at every perform
 * and cannot inline the handler. */
#include <stdint.h>
#include <stdio.h>

static int64_t (*volatile tick_handler)(int64_t x);

static int64_t tick_clause(int64_t x) { return x + 1; }

static int64_t count(int64_t n) {
    int64_t acc = 0;
    int64_t i = 0;
    while (i < n) {
        acc = acc + tick_handler(i % 1000);
        i = i + 1;
    }
    return acc;
}

int main(void) {
    int64_t (*outer)(int64_t) = tick_handler;
    tick_handler = tick_clause;
    int64_t r = count(100000000);
    tick_handler = outer;
    printf("%lld\n", (long long)r);
    return 0;
}
