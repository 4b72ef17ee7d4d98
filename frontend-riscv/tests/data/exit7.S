# Smallest useful guest: exits with status 7 through the Linux exit syscall.
# Built once and checked in (exit7-rv64.elf, exit7-rv32.elf) so the loader tests
# exercise a real linker's output without needing a cross compiler:
#   riscv64-unknown-elf-gcc -march=rv64imac -mabi=lp64  -nostdlib -static -Wl,--build-id=none -o exit7-rv64.elf exit7.S
#   riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 -nostdlib -static -Wl,--build-id=none -o exit7-rv32.elf exit7.S
    .text
    .globl _start
    .type _start, @function
_start:
    li a0, 7
    li a7, 93
    ecall
    .size _start, . - _start
