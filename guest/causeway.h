/*
 * causeway.h: the guest side of Causeway's RISC-V system interface.
 *
 * One header, no library: everything here is `static inline`, so a guest pays only for what it uses
 * and needs nothing but this file, guest/crt0.S and guest/rt.c.
 *
 * ## Guest programs
 * Causeway runs freestanding static ELF executables for RV32IMAC / RV64IMAC (and subsets: RV32IM,
 * RV64IM). There is no libc. Build with
 *
 *     riscv64-unknown-elf-gcc -march=rv64imac -mabi=lp64 -mcmodel=medany -fno-pic -O2 \
 *         -nostdlib -ffreestanding -static -Wl,--build-id=none \
 *         -I guest guest/crt0.S guest/rt.c prog.c -lgcc
 *
 * (`-march=rv32imac -mabi=ilp32` for RV32). `-lgcc` supplies the helpers gcc calls for what the ISA
 * lacks (64-bit division on RV32, __clzdi2, ...). The entry point is `_start` (guest/crt0.S): it sets
 * `gp`, calls `main(0, 0)` and exits with main's return value. At `_start` the only guarantee is a
 * 16-byte aligned `sp`; argc/argv/auxv are not provided, so `main` must not use them.
 * .bss is zeroed by the loader (as by Linux), not by crt0.
 *
 * ## System calls (the Linux RISC-V convention)
 * `ecall` with the call number in a7, arguments in a0..a5, the result in a0. Errors are returned as
 * -errno, like the raw Linux calls (no errno variable).
 *
 * | number | call | semantics in Causeway |
 * | --- | --- | --- |
 * | 64 | write(fd, buf, len) | fd 1 (stdout) and 2 (stderr); any other fd returns -EBADF (-9) |
 * | 93 | exit(status) | ends the program; exit status = status & 0xff |
 * | 94 | exit_group(status) | same as exit (guests are single-threaded) |
 * | 214 | brk(addr) | Linux semantics: brk(0) returns the current break; brk(addr) moves the break to addr if it can and returns the new break, otherwise returns the unchanged break |
 * | any other number (outside the Causeway calls below) | | returns -ENOSYS (-38) |
 *
 * ## Causeway calls
 * Numbers from 0x43410000 ("CA"). 0x43410000 + k are the runtime's standard resource effects (see
 * runtime/src/embed.rs, `standard_effects` and `Invocation::standard`); each takes its arguments
 * in a0.. and returns its result, if it has one, in a0:
 *
 * | k | effect | arguments -> result |
 * | --- | --- | --- |
 * | 0 | create_resource | kind_ptr, kind_len, quantity, data_ptr, data_len -> new handle (kind is UTF-8) |
 * | 1 | quantity | handle -> quantity |
 * | 2 | update_resource | handle, quantity, data_ptr, data_len -> () |
 * | 3 | transfer | handle, domain_ptr, domain_len -> () (domain name is UTF-8) |
 * | 4 | split | handle, amount -> new handle holding `amount` |
 * | 5 | merge | handle_a, handle_b -> new handle |
 * | 6 | consume | handle -> () |
 * | 7 | resource_id | handle, out_ptr -> () (writes the 32-byte id at out_ptr) |
 * | 8 | resource_handle | id_ptr -> handle for the 32-byte id at id_ptr (the resource must exist) |
 * | 9 | data | handle, out_ptr, cap -> the data's full length; its first min(len, cap) bytes go to out_ptr |
 * | 10 | log | ptr, len -> () (appends one UTF-8 line to the invocation's log) |
 * | 11 | now | -> the context's logical time |
 *
 * 0x43410100 is `perform`: a0 = pointer to the effect name, a1 = name length, a2 = pointer to an
 * array of int64_t arguments, a3 = argument count; the effect's int64 result comes back in a0 (on
 * RV32 only its low 32 bits). Use it for host effects that are not standard, or to pass full 64-bit
 * arguments from RV32.
 *
 * Handles are small non-negative integers naming resources within one invocation (one program run).
 * Each argument is one register, taken as int64: on RV32 the 32-bit register is sign-extended, so
 * quantities and amounts there are limited to 0..2^31-1 (larger ones need `perform`, whose
 * arguments are int64 in memory). Negative quantities and amounts are errors.
 * A failing Causeway call does not return: the program ends with the runtime's error, and every
 * resource effect of the run is rolled back. So the wrappers below have no error results.
 *
 * Under qemu-user (the reference the test corpus is compared against) Causeway calls are unknown
 * system calls and return -ENOSYS; `cw_have_effects()` uses that to tell the two apart.
 *
 * ## Native builds
 * For native benchmark baselines the same sources build with x86-64 gcc
 * (`gcc -O2 -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie`): write, exit and
 * brk map to the x86-64 Linux calls (1, 231, 12). Causeway calls have no native meaning: they print
 * a message to stderr and exit with status 70.
 */
#ifndef CAUSEWAY_H
#define CAUSEWAY_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__riscv) && !defined(__x86_64__)
#error "causeway.h supports RISC-V guests and native x86-64 benchmark builds only"
#endif

#define CW_EBADF 9
#define CW_ENOSYS 38

/* Causeway call numbers. */
#define CW_CALL_BASE 0x43410000L
#define CW_CALL_CREATE_RESOURCE (CW_CALL_BASE + 0)
#define CW_CALL_QUANTITY (CW_CALL_BASE + 1)
#define CW_CALL_UPDATE_RESOURCE (CW_CALL_BASE + 2)
#define CW_CALL_TRANSFER (CW_CALL_BASE + 3)
#define CW_CALL_SPLIT (CW_CALL_BASE + 4)
#define CW_CALL_MERGE (CW_CALL_BASE + 5)
#define CW_CALL_CONSUME (CW_CALL_BASE + 6)
#define CW_CALL_RESOURCE_ID (CW_CALL_BASE + 7)
#define CW_CALL_RESOURCE_HANDLE (CW_CALL_BASE + 8)
#define CW_CALL_DATA (CW_CALL_BASE + 9)
#define CW_CALL_LOG (CW_CALL_BASE + 10)
#define CW_CALL_NOW (CW_CALL_BASE + 11)
#define CW_CALL_PERFORM (CW_CALL_BASE + 0x100)

#if defined(__riscv)
/* sp as _start found it (set by crt0.S): lets a guest measure its own stack use. */
extern uintptr_t cw_initial_sp;
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Raw system calls                                                                               */
/* ---------------------------------------------------------------------------------------------- */

#if defined(__riscv)

#define CW_SYS_WRITE 64
#define CW_SYS_EXIT 93
#define CW_SYS_EXIT_GROUP 94
#define CW_SYS_BRK 214

/* One entry point for every call: the "memory" clobber is what makes it safe to pass pointers,
 * since the callee may read or write any guest memory behind them. */
static inline long cw_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    register long r3 __asm__("a3") = a3;
    register long r4 __asm__("a4") = a4;
    register long r5 __asm__("a5") = a5;
    register long r7 __asm__("a7") = n;
    __asm__ volatile("ecall"
                     : "+r"(r0)
                     : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
                     : "memory");
    return r0;
}

#elif defined(__x86_64__)

#define CW_SYS_WRITE 1
#define CW_SYS_EXIT 60
#define CW_SYS_EXIT_GROUP 231
#define CW_SYS_BRK 12

static inline long cw_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
    long ret;
    register long r10 __asm__("r10") = a3;
    register long r8 __asm__("r8") = a4;
    register long r9 __asm__("r9") = a5;
    /* The kernel clobbers rcx (return rip) and r11 (saved rflags). */
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

#endif

static inline long cw_syscall0(long n) { return cw_syscall6(n, 0, 0, 0, 0, 0, 0); }
static inline long cw_syscall1(long n, long a0) { return cw_syscall6(n, a0, 0, 0, 0, 0, 0); }
static inline long cw_syscall2(long n, long a0, long a1) { return cw_syscall6(n, a0, a1, 0, 0, 0, 0); }
static inline long cw_syscall3(long n, long a0, long a1, long a2)
{
    return cw_syscall6(n, a0, a1, a2, 0, 0, 0);
}
static inline long cw_syscall4(long n, long a0, long a1, long a2, long a3)
{
    return cw_syscall6(n, a0, a1, a2, a3, 0, 0);
}
static inline long cw_syscall5(long n, long a0, long a1, long a2, long a3, long a4)
{
    return cw_syscall6(n, a0, a1, a2, a3, a4, 0);
}

/* ---------------------------------------------------------------------------------------------- */
/* Linux calls                                                                                    */
/* ---------------------------------------------------------------------------------------------- */

/* Bytes written, or -errno. No retry on a short write: to a terminal, pipe or file a blocking
 * write completes in full, and these helpers are for diagnostics and test output. */
static inline long cw_write(int fd, const void *buf, size_t len)
{
    return cw_syscall3(CW_SYS_WRITE, fd, (long)buf, (long)len);
}

/* exit_group rather than exit: it is what ends a process on Linux, which matters natively. */
__attribute__((noreturn)) static inline void cw_exit(int status)
{
    cw_syscall1(CW_SYS_EXIT_GROUP, status);
    __builtin_unreachable();
}

/* The raw call: returns the break after the call (unchanged if the move failed). */
static inline void *cw_brk(void *addr) { return (void *)cw_syscall1(CW_SYS_BRK, (long)addr); }

/* ---------------------------------------------------------------------------------------------- */
/* Causeway calls                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

typedef long cw_handle; /* an index into the invocation's handle table */

typedef struct cw_id {
    uint8_t bytes[32];
} cw_id;

#if defined(__riscv)
static inline long cw__call(long n, long a0, long a1, long a2, long a3, long a4)
{
    return cw_syscall6(n, a0, a1, a2, a3, a4, 0);
}
#else
/* Natively there is no runtime to answer: failing loudly beats returning a plausible value. */
static inline long cw__call(long n, long a0, long a1, long a2, long a3, long a4)
{
    static const char msg[] = "causeway: effect calls need the Causeway VM\n";
    (void)n, (void)a0, (void)a1, (void)a2, (void)a3, (void)a4;
    cw_write(2, msg, sizeof msg - 1);
    cw_exit(70);
}
#endif

static inline cw_handle cw_create_resource(const char *kind, size_t kind_len, long quantity, const void *data,
                                           size_t data_len)
{
    return cw__call(CW_CALL_CREATE_RESOURCE, (long)kind, (long)kind_len, quantity, (long)data, (long)data_len);
}

static inline long cw_quantity(cw_handle h) { return cw__call(CW_CALL_QUANTITY, h, 0, 0, 0, 0); }

static inline void cw_update_resource(cw_handle h, long quantity, const void *data, size_t data_len)
{
    cw__call(CW_CALL_UPDATE_RESOURCE, h, quantity, (long)data, (long)data_len, 0);
}

static inline void cw_transfer(cw_handle h, const char *domain, size_t domain_len)
{
    cw__call(CW_CALL_TRANSFER, h, (long)domain, (long)domain_len, 0, 0);
}

static inline cw_handle cw_split(cw_handle h, long amount) { return cw__call(CW_CALL_SPLIT, h, amount, 0, 0, 0); }

static inline cw_handle cw_merge(cw_handle a, cw_handle b) { return cw__call(CW_CALL_MERGE, a, b, 0, 0, 0); }

static inline void cw_consume(cw_handle h) { cw__call(CW_CALL_CONSUME, h, 0, 0, 0, 0); }

static inline void cw_resource_id(cw_handle h, cw_id *out) { cw__call(CW_CALL_RESOURCE_ID, h, (long)out, 0, 0, 0); }

static inline cw_handle cw_resource_handle(const cw_id *id)
{
    return cw__call(CW_CALL_RESOURCE_HANDLE, (long)id, 0, 0, 0, 0);
}

/* The data's full length, which may exceed `cap`: call again with a bigger buffer to get it all. */
static inline long cw_data(cw_handle h, void *out, size_t cap)
{
    return cw__call(CW_CALL_DATA, h, (long)out, (long)cap, 0, 0);
}

static inline void cw_log(const char *line, size_t len) { cw__call(CW_CALL_LOG, (long)line, (long)len, 0, 0, 0); }

static inline long cw_now(void) { return cw__call(CW_CALL_NOW, 0, 0, 0, 0, 0); }

/* Any effect by name with int64 arguments; on RV32 the result is the low 32 bits, sign-extended. */
static inline long cw_perform(const char *name, size_t name_len, const int64_t *args, size_t nargs)
{
    return cw__call(CW_CALL_PERFORM, (long)name, (long)name_len, (long)args, (long)nargs, 0);
}

/* True under Causeway, false under qemu-user (where `now` is an unknown call: -ENOSYS). A logical
 * time is never negative, so the probe cannot be confused. Natively this exits, like every effect. */
static inline int cw_have_effects(void)
{
#if defined(__riscv)
    return cw_syscall0(CW_CALL_NOW) != -CW_ENOSYS;
#else
    return 0;
#endif
}

/* ---------------------------------------------------------------------------------------------- */
/* Freestanding helpers                                                                           */
/* ---------------------------------------------------------------------------------------------- */

static inline size_t cw_strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

static inline void *cw_memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    while (n--)
        *d++ = *s++;
    return dst;
}

static inline void *cw_memset(void *dst, int c, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

static inline int cw_memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

static inline int cw_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

static inline long cw_fputs(int fd, const char *s) { return cw_write(fd, s, cw_strlen(s)); }
static inline long cw_puts(const char *s) { return cw_fputs(1, s); }  /* no newline added */
static inline long cw_eputs(const char *s) { return cw_fputs(2, s); } /* to stderr */
static inline long cw_putc(char c) { return cw_write(1, &c, 1); }

/* Formats into the end of `buf` and returns where the digits start. Division by a constant keeps
 * RV32 on libgcc's __udivdi3, which every guest links anyway. */
static inline char *cw__utoa(char *end, uint64_t v, unsigned base, int min_digits)
{
    char *p = end;
    do {
        unsigned d = (unsigned)(v % base);
        *--p = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
        min_digits--;
    } while (v || min_digits > 0);
    return p;
}

/* Decimal. */
static inline void cw_fprint_uint(int fd, uint64_t v)
{
    char buf[24];
    char *p = cw__utoa(buf + sizeof buf, v, 10, 1);
    cw_write(fd, p, (size_t)(buf + sizeof buf - p));
}

static inline void cw_fprint_int(int fd, int64_t v)
{
    char buf[24];
    /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = cw__utoa(buf + sizeof buf, m, 10, 1);
    if (v < 0)
        *--p = '-';
    cw_write(fd, p, (size_t)(buf + sizeof buf - p));
}

/* "0x" and at least `digits` lowercase hex digits. */
static inline void cw_fprint_hex_width(int fd, uint64_t v, int digits)
{
    char buf[24];
    char *p = cw__utoa(buf + sizeof buf, v, 16, digits);
    *--p = 'x';
    *--p = '0';
    cw_write(fd, p, (size_t)(buf + sizeof buf - p));
}

static inline void cw_print_uint(uint64_t v) { cw_fprint_uint(1, v); }
static inline void cw_print_int(int64_t v) { cw_fprint_int(1, v); }
static inline void cw_print_hex(uint64_t v) { cw_fprint_hex_width(1, v, 1); }
/* Signed hex: "-0x26" rather than 0xffff...ffda, so the text does not depend on the width. */
static inline void cw_print_shex(int64_t v)
{
    if (v < 0) {
        cw_putc('-');
        cw_fprint_hex_width(1, 0 - (uint64_t)v, 1);
    } else {
        cw_fprint_hex_width(1, (uint64_t)v, 1);
    }
}
static inline void cw_print_hex_width(uint64_t v, int digits) { cw_fprint_hex_width(1, v, digits); }

/* Tiny bump allocator on brk. No free: guests are short-lived and the break is the whole heap.
 * Each translation unit including this header gets its own bump state; asking the kernel for the
 * current break before every growth keeps several such users from overlapping. */
static inline void *cw_malloc(size_t n)
{
    static uintptr_t cur, end; /* in here, not at file scope, so non-users get no unused warning */
    n = (n + 15) & ~(size_t)15;
    if (!cur || end - cur < n) {
        uintptr_t brk = (uintptr_t)cw_brk(0);
        if (brk != end)
            cur = (brk + 15) & ~(uintptr_t)15;
        /* Refuse before the arithmetic below can wrap. */
        if (n > UINTPTR_MAX - cur - 0xffff)
            return 0;
        uintptr_t need = cur + n;
        /* Grow in 64 KiB steps: fewer calls for many small allocations. */
        uintptr_t want = (need + 0xffff) & ~(uintptr_t)0xffff;
        /* A failed brk returns the old break, which is below what we need. */
        uintptr_t got = (uintptr_t)cw_brk((void *)want);
        if (got < need)
            return 0;
        end = got;
    }
    void *p = (void *)cur;
    cur += n;
    return p;
}

static inline void *cw_calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return 0;
    /* brk memory is fresh from the kernel, hence zero, but a bump allocator cannot tell whether
     * it is handing out never-touched memory, so clear it. */
    void *p = cw_malloc(n * size);
    if (p)
        cw_memset(p, 0, n * size);
    return p;
}

static inline void cw_free(void *p) { (void)p; }

#endif /* CAUSEWAY_H */
