/* CRC-32 (IEEE, reflected) the two usual ways: a byte-at-a-time table walk and the bitwise
 * shift-and-xor loop, over a pseudo-random 1 MiB buffer. Dependent loads through a small table,
 * and a long chain of data-dependent branches. */
#include "causeway.h"

#define SIZE (1u << 20)
#define TABLE_ROUNDS 300
#define BITWISE_ROUNDS 6
static uint8_t data[SIZE];
static uint32_t table[256];

static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
    }
    return ~crc;
}

int main(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i;
        for (int k = 0; k < 8; k++)
            r = r & 1 ? (r >> 1) ^ 0xedb88320u : r >> 1;
        table[i] = r;
    }
    cw_puts("crc32(\"123456789\") = ");
    cw_print_hex_width(crc_table(0, (const uint8_t *)"123456789", 9), 8); /* 0xcbf43926 */
    cw_putc('\n');

    uint32_t x = 2463534242u;
    for (uint32_t i = 0; i < SIZE; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        data[i] = (uint8_t)(x >> 24);
    }
    uint32_t crc = 0;
    for (unsigned r = 0; r < TABLE_ROUNDS; r++)
        crc = crc_table(crc, data, SIZE);
    uint32_t crc2 = 0;
    for (unsigned r = 0; r < BITWISE_ROUNDS; r++)
        crc2 = crc_bitwise(crc2, data, SIZE);
    cw_puts("crc32: table ");
    cw_print_hex_width(crc, 8);
    cw_puts(" bitwise ");
    cw_print_hex_width(crc2, 8);
    cw_putc('\n');
    return 0;
}
