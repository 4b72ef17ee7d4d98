/* TEL vs LuaJIT vs C benchmark (bench/benches/tel_peers.rs): a 10^8-iteration integer loop
 * (int_loop.tel). Built with gcc -O2. */
#include <stdint.h>
#include <stdio.h>

int main(void) {
    int64_t sum = 0;
    int64_t i = 0;
    while (i < 100000000) {
        sum = sum + (i * 31 + 7) % 1009;
        i = i + 1;
    }
    printf("%lld\n", (long long)sum);
    return 0;
}
