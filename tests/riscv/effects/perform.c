/* A registered host effect through `perform`, a transfer to another domain, and an unknown system
 * call next to them. Needs a runtime with the effect `demo.add` (returns a0 + a1) and a domain
 * `vault`; run by tests/all/riscv_runtime.rs. Under qemu-user it says there are no effects. */
#include "causeway.h"

int main(void)
{
    if (!cw_have_effects()) {
        cw_puts("no Causeway effects here\n");
        return 0;
    }
    int64_t args[2] = {40, 2};
    cw_puts("demo.add(40, 2) = ");
    cw_print_int(cw_perform("demo.add", 8, args, 2));
    cw_putc('\n');
    static const char kind[] = "gold";
    cw_handle h = cw_create_resource(kind, sizeof kind - 1, 7, "", 0);
    cw_transfer(h, "vault", 5);
    cw_puts("transferred\n");
    return 3;
}
