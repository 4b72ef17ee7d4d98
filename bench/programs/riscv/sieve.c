/* Sieve of Eratosthenes over a byte array, repeated: tight loops of byte stores with strided
 * addressing, then a counting pass. Checksum: prime count and a position-weighted sum. */
#include "causeway.h"

#define LIMIT 8000000u
#define ROUNDS 30
static uint8_t composite[LIMIT + 1];

int main(void)
{
    uint32_t count = 0;
    uint64_t weighted = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        cw_memset(composite, 0, sizeof composite);
        for (uint32_t i = 2; i * i <= LIMIT; i++)
            if (!composite[i])
                for (uint32_t j = i * i; j <= LIMIT; j += i)
                    composite[j] = 1;
        count = 0;
        for (uint32_t i = 2; i <= LIMIT; i++)
            if (!composite[i]) {
                count++;
                weighted += (uint64_t)i * (count & 0xff) + round;
            }
    }
    cw_puts("sieve: primes below ");
    cw_print_uint(LIMIT);
    cw_puts(" = ");
    cw_print_uint(count);
    cw_puts(", checksum ");
    cw_print_hex_width(weighted, 16);
    cw_putc('\n');
    return 0;
}
