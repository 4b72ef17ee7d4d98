/* Integer matrix multiplication (no F/D extension in IMAC): 32-bit wrapping multiply-accumulate
 * in the textbook i-j-k order, a dot product per element with one strided operand. (The i-k-j
 * order would let the native build vectorize the inner loop and measure SIMD width instead.) */
#include "causeway.h"

#define N 300
#define ROUNDS 100
static uint32_t a[N][N], b[N][N], c[N][N];

int main(void)
{
    uint32_t x = 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            x = x * 1103515245u + 12345u;
            a[i][j] = x >> 16;
            x = x * 1103515245u + 12345u;
            b[i][j] = x >> 16;
        }
    uint64_t checksum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                uint32_t acc = 0;
                for (int k = 0; k < N; k++)
                    acc += a[i][k] * b[k][j];
                c[i][j] = acc;
            }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                checksum = checksum * 1000003 + c[i][j];
        /* Feed the result back so no round can be skipped or reordered. */
        a[r][r] ^= c[N - 1 - r][r];
    }
    cw_puts("matmul: ");
    cw_print_uint(N);
    cw_puts("x");
    cw_print_uint(N);
    cw_puts(" x ");
    cw_print_uint(ROUNDS);
    cw_puts(", checksum ");
    cw_print_hex_width(checksum, 16);
    cw_putc('\n');
    return 0;
}
