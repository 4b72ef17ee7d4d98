/* Every Causeway call wrapper in causeway.h, in one plausible sequence. Under qemu-user (no
 * effects) it says so and exits 0; under Causeway it creates, splits, merges, updates, looks up,
 * logs and consumes resources. Built for every target so the wrappers keep compiling, but not
 * compared against qemu: its Causeway output is for the runtime's own integration tests.
 * (transfer and perform need a second domain and a registered host effect, which depend on how
 * the runtime is set up, so they are compiled in but only called when `full` is set.) */
#include "causeway.h"

static void show(const char *label, long v)
{
    cw_puts(label);
    cw_print_int(v);
    cw_putc('\n');
}

int main(void)
{
    if (!cw_have_effects()) {
        cw_puts("no Causeway effects here\n");
        return 0;
    }
    static const char kind[] = "token";
    cw_handle h = cw_create_resource(kind, sizeof kind - 1, 100, "hello", 5);
    show("quantity ", cw_quantity(h));
    cw_handle part = cw_split(h, 30);
    show("after split ", cw_quantity(h));
    show("split part ", cw_quantity(part));
    cw_handle whole = cw_merge(h, part);
    show("merged ", cw_quantity(whole));
    cw_update_resource(whole, 250, "updated", 7);
    char buf[16];
    long len = cw_data(whole, buf, sizeof buf);
    show("data length ", len);
    cw_write(1, buf, (size_t)(len < 16 ? len : 16));
    cw_putc('\n');
    cw_id id;
    cw_resource_id(whole, &id);
    cw_handle again = cw_resource_handle(&id);
    show("same quantity through the id ", cw_quantity(again));
    static const char line[] = "resources.c: done";
    cw_log(line, sizeof line - 1);
    show("now ", cw_now());

    volatile int full = 0;
    if (full) {
        cw_transfer(again, "elsewhere", 9);
        int64_t args[2] = {40, 2};
        show("perform ", cw_perform("demo.add", 8, args, 2));
    }
    cw_consume(again);
    return 0;
}
