/*
 * crt0.S: the entry point of every Causeway guest (and of the native x86-64 benchmark builds).
 *
 * The loader guarantees only a 16-byte aligned sp at _start; argc/argv/auxv are not provided, so
 * main gets (0, NULL). .bss is already zero (the loader maps it so), hence no clearing loop here.
 */

#if defined(__riscv)

#if __riscv_xlen == 64
#define REG_S sd
#else
#define REG_S sw
#endif

    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    /* With relaxation on, the linker would turn this very `la` into `mv gp, gp` relative to the
     * still-unset gp; norelax keeps it a real auipc/addi pair. */
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    /* A zero frame pointer and return address end backtraces here. */
    li s0, 0
    li ra, 0
    /* Referencing a .data object keeps one in every guest, even through --gc-sections. Without
     * any .data, ld appends .bss to the text segment and makes it RWX, and then a guest's stores
     * into its own code would silently succeed instead of faulting. */
    la t0, cw_initial_sp
    REG_S sp, 0(t0)
    li a0, 0
    li a1, 0
    call main
    /* exit_group(main's return value); the status is masked to 8 bits by the runtime. */
    li a7, 94
    ecall
    /* exit_group does not return; if it ever did, trap rather than run off into whatever follows. */
1:  unimp
    j 1b
    .size _start, . - _start

    /* sp at entry, for guests that want to know how deep their stack is. */
    .section .data.cw_initial_sp, "aw", @progbits
    .balign 8
    .globl cw_initial_sp
    .type cw_initial_sp, @object
cw_initial_sp:
    .dword 0
    .size cw_initial_sp, 8

#elif defined(__x86_64__)

    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp
    /* The kernel leaves rsp 16-byte aligned; the call below pushes 8 bytes, which is exactly the
     * misalignment the SysV ABI expects at a function's entry. */
    and $-16, %rsp
    xor %edi, %edi
    xor %esi, %esi
    call main
    mov %eax, %edi
    mov $231, %eax /* exit_group */
    syscall
    hlt
    .size _start, . - _start

#else
#error "crt0.S: unsupported architecture"
#endif

    .section .note.GNU-stack, "", @progbits
