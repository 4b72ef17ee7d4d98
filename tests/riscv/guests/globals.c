/* Where data lives: initialized .data, read-only .rodata, zeroed .bss, and the small-data sections
 * (.sdata/.sbss) that gcc reaches relative to gp, which crt0 sets; pointer tables resolved at link
 * time; function-local statics that persist across calls. A wrong gp or a loader that does not
 * zero .bss shows up here. */
#include "causeway.h"

int small_counter = 5;              /* .sdata: gp-relative */
static int small_zero;              /* .sbss */
long big_table[64] = {1, 2, 3};     /* .data, rest zero */
static uint8_t big_zero[8192];      /* .bss */
static const char *const words[] = {"zero", "one", "two", "three", "four"}; /* relocated pointers */
static const uint16_t ro_table[] = {0xffff, 0x8000, 0x7fff, 0x1234};
char message[] = "mutable string in .data";

static int counter(void)
{
    static int calls = 100; /* a static local: .sdata as well */
    return calls++;
}

int main(void)
{
    int zero = small_zero == 0;
    for (unsigned i = 0; i < sizeof big_zero; i++)
        zero &= big_zero[i] == 0;
    for (unsigned i = 3; i < 64; i++)
        zero &= big_table[i] == 0;
    cw_puts(zero ? "bss is zero\n" : "bss is NOT zero\n");

    small_counter += 10;
    small_zero = -1;
    big_table[63] = big_table[0] + big_table[1] + big_table[2];
    big_zero[8191] = 7;
    message[0] = 'M';
    for (int i = 0; i < 3; i++)
        counter();
    cw_puts("small_counter ");
    cw_print_int(small_counter);
    cw_puts(" small_zero ");
    cw_print_int(small_zero);
    cw_puts(" big_table[63] ");
    cw_print_int(big_table[63]);
    cw_puts(" big_zero[8191] ");
    cw_print_int(big_zero[8191]);
    cw_puts(" counter ");
    cw_print_int(counter());
    cw_putc('\n');
    for (unsigned i = 0; i < 5; i++) {
        cw_puts(words[i]);
        cw_putc(i < 4 ? ' ' : '\n');
    }
    for (unsigned i = 0; i < 4; i++) {
        cw_print_int((int16_t)ro_table[i]);
        cw_putc(i < 3 ? ' ' : '\n');
    }
    cw_puts(message);
    cw_putc('\n');

#if defined(__riscv)
    /* gp must be what the linker assumed, or every gp-relative access above was to the wrong place. */
    extern char __global_pointer$[];
    uintptr_t gp;
    __asm__("mv %0, gp" : "=r"(gp));
    cw_puts(gp == (uintptr_t)__global_pointer$ ? "gp is __global_pointer$\n" : "gp is WRONG\n");
#else
    cw_puts("gp is __global_pointer$\n");
#endif
    return 0;
}
