//! Reference encodings from the GNU toolchain (binutils 2.40: `riscv64-unknown-elf-as -mno-relax
//! -march=rv{32,64}imac_zicsr_zifencei`, linked, then `objdump -d -M no-aliases`), pasted as data.
//!
//! Owns test data only and must never be edited by hand except to add rows produced the same way. Each
//! source line was assembled twice: with `.option norvc` (the word and the text, objdump's output with
//! `, ` separators, branch targets made relative, shift amounts in decimal and every fence variant as
//! `fence`) and with RVC enabled (the compressed encoding GAS chose). Where our canonical compressed
//! encoding differs from what GAS emits for that line, the comment says why.

/// (32-bit word, the compressed encoding GAS emitted for the same line, our `encode_compressed`
/// result, our text).
pub(super) type Row = (u32, Option<u16>, Option<u16>, &'static str);

/// Valid, identically encoded and printed under RV32 and RV64 (checked against both assemblers).
pub(super) const COMMON: &[Row] = &[
    (0x12345537, None, None, "lui a0, 0x12345"),
    (0xffffffb7, Some(0x7ffd), Some(0x7ffd), "lui t6, 0xfffff"),
    (0xfffff537, Some(0x757d), Some(0x757d), "lui a0, 0xfffff"),
    (0x80000537, None, None, "lui a0, 0x80000"),
    (0x7ffff537, None, None, "lui a0, 0x7ffff"),
    (0x00000537, None, None, "lui a0, 0x0"),
    (0x0001f537, Some(0x657d), Some(0x657d), "lui a0, 0x1f"),
    (0xfffe0437, Some(0x7401), Some(0x7401), "lui s0, 0xfffe0"),
    (0x00020537, None, None, "lui a0, 0x20"),
    (0x00001137, None, None, "lui sp, 0x1"),
    (0x00000097, None, None, "auipc ra, 0x0"),
    (0xfffff297, None, None, "auipc t0, 0xfffff"),
    (0x80000197, None, None, "auipc gp, 0x80000"),
    (0x001000ef, None, None, "jal ra, +2048"),
    (0x7ffff06f, None, None, "jal zero, +1048574"),
    (0x8000036f, None, None, "jal t1, -1048576"),
    (0xffdff06f, Some(0xbff5), Some(0xbff5), "jal zero, -4"), // j .-4
    (0x7fe0006f, Some(0xaffd), Some(0xaffd), "jal zero, +2046"), // j .+2046
    (0x801ff06f, Some(0xb001), Some(0xb001), "jal zero, -2048"), // j .-2048
    (0x0010006f, None, None, "jal zero, +2048"),
    (0x0020006f, Some(0xa009), Some(0xa009), "jal zero, +2"), // c.j .+2
    (0x000500e7, None, Some(0x9502), "jalr ra, 0(a0)"),       // ours: c.jalr a0
    (0x00008067, None, Some(0x8082), "jalr zero, 0(ra)"),     // ours: c.jr ra
    (0x000f8067, None, Some(0x8f82), "jalr zero, 0(t6)"),     // ours: c.jr t6
    (0x800582e7, None, None, "jalr t0, -2048(a1)"),
    (0x7ff00567, None, None, "jalr a0, 2047(zero)"),
    (0x001500e7, None, None, "jalr ra, 1(a0)"),
    (0x00408067, None, None, "jalr zero, 4(ra)"),
    (0x00050167, None, None, "jalr sp, 0(a0)"),
    (0x00000067, None, None, "jalr zero, 0(zero)"),
    (0x000000e7, None, None, "jalr ra, 0(zero)"),
    (0x00050067, Some(0x8502), Some(0x8502), "jalr zero, 0(a0)"), // jr a0
    (0x000500e7, Some(0x9502), Some(0x9502), "jalr ra, 0(a0)"),   // jalr a0
    (0x7eb50fe3, None, None, "beq a0, a1, +4094"),
    (0x81f29063, None, None, "bne t0, t6, -4096"),
    (0x00054463, None, None, "blt a0, zero, +8"),
    (0xfea05ce3, None, None, "bge zero, a0, -8"),
    (0x00946163, None, None, "bltu s0, s1, +2"),
    (0x0020f063, None, None, "bgeu ra, sp, +0"),
    (0x0e040f63, Some(0xcc7d), Some(0xcc7d), "beq s0, zero, +254"), // beq s0, zero, .+254
    (0xf00780e3, Some(0xd381), Some(0xd381), "beq a5, zero, -256"), // beq a5, zero, .-256
    (0x00049163, Some(0xe089), Some(0xe089), "bne s1, zero, +2"),   // bne s1, zero, .+2
    (0xfe051fe3, Some(0xfd7d), Some(0xfd7d), "bne a0, zero, -2"),   // bne a0, zero, .-2
    (0x10050063, None, None, "beq a0, zero, +256"),
    (0x00028263, None, None, "beq t0, zero, +4"),
    (0x00a00263, None, None, "beq zero, a0, +4"),
    (0x80058503, None, None, "lb a0, -2048(a1)"),
    (0x7ff11283, None, None, "lh t0, 2047(sp)"),
    (0xff842783, None, None, "lw a5, -8(s0)"),
    (0x00004003, None, None, "lbu zero, 0(zero)"),
    (0x001fdd83, None, None, "lhu s11, 1(t6)"),
    (0x0005a503, Some(0x4188), Some(0x4188), "lw a0, 0(a1)"),
    (0x07c7a403, Some(0x5fe0), Some(0x5fe0), "lw s0, 124(a5)"),
    (0x0805a503, None, None, "lw a0, 128(a1)"),
    (0x0025a503, None, None, "lw a0, 2(a1)"),
    (0xffc5a503, None, None, "lw a0, -4(a1)"),
    (0x0045a283, None, None, "lw t0, 4(a1)"),
    (0x0fc12083, Some(0x50fe), Some(0x50fe), "lw ra, 252(sp)"),
    (0x00012503, Some(0x4502), Some(0x4502), "lw a0, 0(sp)"),
    (0x00412003, None, None, "lw zero, 4(sp)"),
    (0x10012503, None, None, "lw a0, 256(sp)"),
    (0x00612503, None, None, "lw a0, 6(sp)"),
    (0xfea58fa3, None, None, "sb a0, -1(a1)"),
    (0x7e0f9f23, None, None, "sh zero, 2046(t6)"),
    (0x06a5ae23, Some(0xdde8), Some(0xdde8), "sw a0, 124(a1)"),
    (0x00942023, Some(0xc004), Some(0xc004), "sw s1, 0(s0)"),
    (0x00a2a423, None, None, "sw a0, 8(t0)"),
    (0x00552423, None, None, "sw t0, 8(a0)"),
    (0x00012023, Some(0xc002), Some(0xc002), "sw zero, 0(sp)"),
    (0x0e112e23, Some(0xdf86), Some(0xdf86), "sw ra, 252(sp)"),
    (0x10112023, None, None, "sw ra, 256(sp)"),
    (0xfe112e23, None, None, "sw ra, -4(sp)"),
    (0x01010113, Some(0x0141), Some(0x0141), "addi sp, sp, 16"),
    (0x00110113, Some(0x0105), Some(0x0105), "addi sp, sp, 1"),
    (0xfe010113, Some(0x1101), Some(0x1101), "addi sp, sp, -32"),
    (0x01f10113, Some(0x017d), Some(0x017d), "addi sp, sp, 31"),
    (0x02010113, Some(0x6105), Some(0x6105), "addi sp, sp, 32"),
    (0x03010113, Some(0x6145), Some(0x6145), "addi sp, sp, 48"),
    (0xe0010113, Some(0x7101), Some(0x7101), "addi sp, sp, -512"),
    (0x1f010113, Some(0x617d), Some(0x617d), "addi sp, sp, 496"),
    (0x20010113, None, None, "addi sp, sp, 512"),
    (0x01810113, Some(0x0161), Some(0x0161), "addi sp, sp, 24"),
    (0x3fc10513, Some(0x1fe8), Some(0x1fe8), "addi a0, sp, 1020"),
    (0x00410413, Some(0x0040), Some(0x0040), "addi s0, sp, 4"),
    (0x40010513, None, None, "addi a0, sp, 1024"),
    (0x00210513, None, None, "addi a0, sp, 2"),
    (0x00010513, None, None, "addi a0, sp, 0"), // no exact compressed form; GAS: c.mv a0,sp (0x850a), equivalent but not the same Inst
    (0x00810293, None, None, "addi t0, sp, 8"),
    (0xfe050513, Some(0x1501), Some(0x1501), "addi a0, a0, -32"),
    (0x01ff8f93, Some(0x0ffd), Some(0x0ffd), "addi t6, t6, 31"),
    (0x02050513, None, None, "addi a0, a0, 32"),
    (0xfe000513, Some(0x5501), Some(0x5501), "addi a0, zero, -32"),
    (0x01f00293, Some(0x42fd), Some(0x42fd), "addi t0, zero, 31"),
    (0x00000513, Some(0x4501), Some(0x4501), "addi a0, zero, 0"),
    (0x02000513, None, None, "addi a0, zero, 32"),
    (0x00000013, Some(0x0001), Some(0x0001), "addi zero, zero, 0"),
    (0x00558513, None, None, "addi a0, a1, 5"),
    (0x80058513, None, None, "addi a0, a1, -2048"),
    (0x7ff58513, None, None, "addi a0, a1, 2047"),
    (0x00050513, None, Some(0x0501), "addi a0, a0, 0"), // ours: c.addi a0, 0; GAS: c.mv a0,a0 (0x852a), equivalent but not the same Inst
    (0x00010113, None, Some(0x0101), "addi sp, sp, 0"), // ours: c.addi sp, 0; GAS: c.mv sp,sp (0x810a), equivalent but not the same Inst
    (0x00500013, None, Some(0x0015), "addi zero, zero, 5"), // ours: c.nop 5
    (0xfff00013, None, Some(0x107d), "addi zero, zero, -1"), // ours: c.nop -1
    (0x00500013, Some(0x0015), Some(0x0015), "addi zero, zero, 5"), // c.nop 5
    (0x00300013, Some(0x400d), Some(0x000d), "addi zero, zero, 3"), // c.li zero, 3; ours: c.nop 3
    (0x00050513, Some(0x0501), Some(0x0501), "addi a0, a0, 0"), // c.addi a0, 0
    (0xfff5a513, None, None, "slti a0, a1, -1"),
    (0x7ff5b513, None, None, "sltiu a0, a1, 2047"),
    (0xfff5c513, None, None, "xori a0, a1, -1"),
    (0x00106293, None, None, "ori t0, zero, 1"),
    (0x0ff5f513, None, None, "andi a0, a1, 255"),
    (0xfe047413, Some(0x9801), Some(0x9801), "andi s0, s0, -32"),
    (0x01f7f793, Some(0x8bfd), Some(0x8bfd), "andi a5, a5, 31"),
    (0x0207f793, None, None, "andi a5, a5, 32"),
    (0x0012f293, None, None, "andi t0, t0, 1"),
    (0x00151513, Some(0x0506), Some(0x0506), "slli a0, a0, 1"),
    (0x01ff9f93, Some(0x0ffe), Some(0x0ffe), "slli t6, t6, 31"),
    (0x00159513, None, None, "slli a0, a1, 1"),
    (0x00051513, None, Some(0x0502), "slli a0, a0, 0"), // ours: c.slli64 a0
    (0x00051513, Some(0x0502), Some(0x0502), "slli a0, a0, 0"), // c.slli64 a0
    (0x00301013, Some(0x000e), Some(0x000e), "slli zero, zero, 3"), // c.slli zero, 3
    (0x00145413, Some(0x8005), Some(0x8005), "srli s0, s0, 1"),
    (0x01f7d793, Some(0x83fd), Some(0x83fd), "srli a5, a5, 31"),
    (0x0012d293, None, None, "srli t0, t0, 1"),
    (0x0015d513, None, None, "srli a0, a1, 1"),
    (0x4014d493, Some(0x8485), Some(0x8485), "srai s1, s1, 1"),
    (0x41f55513, Some(0x857d), Some(0x857d), "srai a0, a0, 31"),
    (0x4012d293, None, None, "srai t0, t0, 1"),
    (0x40055513, None, Some(0x8501), "srai a0, a0, 0"), // ours: c.srai64 a0
    (0x00045413, Some(0x8001), Some(0x8001), "srli s0, s0, 0"), // c.srli64 s0
    (0x4004d493, Some(0x8481), Some(0x8481), "srai s1, s1, 0"), // c.srai64 s1
    (0x00b50533, Some(0x952e), Some(0x952e), "add a0, a0, a1"),
    (0x001f8fb3, Some(0x9f86), Some(0x9f86), "add t6, t6, ra"),
    (0x00b00533, Some(0x852e), Some(0x852e), "add a0, zero, a1"),
    (0x01f000b3, Some(0x80fe), Some(0x80fe), "add ra, zero, t6"),
    (0x00c58533, None, None, "add a0, a1, a2"),
    (0x00a58533, None, None, "add a0, a1, a0"), // no exact compressed form; GAS: c.add a0,a1 (0x952e), equivalent but not the same Inst
    (0x00b00033, None, Some(0x802e), "add zero, zero, a1"), // ours: c.mv zero, a1
    (0x00b00033, Some(0x902e), Some(0x802e), "add zero, zero, a1"), // c.add zero, a1; ours: c.mv zero, a1
    (0x00b00033, Some(0x802e), Some(0x802e), "add zero, zero, a1"), // c.mv zero, a1
    (0x00a00533, Some(0x852a), Some(0x852a), "add a0, zero, a0"), // c.mv a0, a0
    (0x00050533, None, None, "add a0, a0, zero"),
    (0x00000033, None, None, "add zero, zero, zero"),
    (0x40940433, Some(0x8c05), Some(0x8c05), "sub s0, s0, s1"),
    (0x40550533, None, None, "sub a0, a0, t0"),
    (0x40a58533, None, None, "sub a0, a1, a0"),
    (0x00e7c7b3, Some(0x8fb9), Some(0x8fb9), "xor a5, a5, a4"),
    (0x00866633, Some(0x8e41), Some(0x8e41), "or a2, a2, s0"),
    (0x00d6f6b3, Some(0x8ef5), Some(0x8ef5), "and a3, a3, a3"),
    (0x0062f2b3, None, None, "and t0, t0, t1"),
    (0x00c59533, None, None, "sll a0, a1, a2"),
    (0x00c5a533, None, None, "slt a0, a1, a2"),
    (0x00b03533, None, None, "sltu a0, zero, a1"),
    (0x007352b3, None, None, "srl t0, t1, t2"),
    (0x4149d933, None, None, "sra s2, s3, s4"),
    (0x02c58533, None, None, "mul a0, a1, a2"),
    (0x02c59533, None, None, "mulh a0, a1, a2"),
    (0x02c5a533, None, None, "mulhsu a0, a1, a2"),
    (0x03eebe33, None, None, "mulhu t3, t4, t5"),
    (0x02c5c533, None, None, "div a0, a1, a2"),
    (0x02c5d533, None, None, "divu a0, a1, a2"),
    (0x02c5e533, None, None, "rem a0, a1, a2"),
    (0x023dfd33, None, None, "remu s10, s11, gp"),
    (0x1005a52f, None, None, "lr.w a0, (a1)"),
    (0x1405a52f, None, None, "lr.w.aq a0, (a1)"),
    (0x120122af, None, None, "lr.w.rl t0, (sp)"),
    (0x1600202f, None, None, "lr.w.aqrl zero, (zero)"),
    (0x18c5a52f, None, None, "sc.w a0, a2, (a1)"),
    (0x1feeafaf, None, None, "sc.w.aqrl t6, t5, (t4)"),
    (0x08b6252f, None, None, "amoswap.w a0, a1, (a2)"),
    (0x06b6252f, None, None, "amoadd.w.aqrl a0, a1, (a2)"),
    (0x24b6252f, None, None, "amoxor.w.aq a0, a1, (a2)"),
    (0x62b6252f, None, None, "amoand.w.rl a0, a1, (a2)"),
    (0x40b6252f, None, None, "amoor.w a0, a1, (a2)"),
    (0x80b6252f, None, None, "amomin.w a0, a1, (a2)"),
    (0xa0b6252f, None, None, "amomax.w a0, a1, (a2)"),
    (0xc0b6252f, None, None, "amominu.w a0, a1, (a2)"),
    (0xe6b6252f, None, None, "amomaxu.w.aqrl a0, a1, (a2)"),
    (0x0ff0000f, None, None, "fence"),
    (0x0330000f, None, None, "fence"),
    (0x0210000f, None, None, "fence"),
    (0x8330000f, None, None, "fence"),
    (0x0000100f, None, None, "fence.i"),
    (0x00000073, None, None, "ecall"),
    (0x00100073, Some(0x9002), Some(0x9002), "ebreak"),
    (0x30051073, None, None, "csrrw zero, mstatus, a0"),
    (0xc0002573, None, None, "csrrs a0, cycle, zero"),
    (0xc0102573, None, None, "csrrs a0, time, zero"),
    (0xc0202573, None, None, "csrrs a0, instret, zero"),
    (0x001332f3, None, None, "csrrc t0, fflags, t1"),
    (0x00202573, None, None, "csrrs a0, frm, zero"),
    (0x00351573, None, None, "csrrw a0, fcsr, a0"),
    (0xc0302573, None, None, "csrrs a0, hpmcounter3, zero"),
    (0xc1f02573, None, None, "csrrs a0, hpmcounter31, zero"),
    (0xf1402573, None, None, "csrrs a0, mhartid, zero"),
    (0x34059573, None, None, "csrrw a0, mscratch, a1"),
    (0x7c02d573, None, None, "csrrwi a0, 0x7c0, 5"),
    (0x100fe073, None, None, "csrrsi zero, sstatus, 31"),
    (0x30407573, None, None, "csrrci a0, mie, 0"),
    (0xfff01073, None, None, "csrrw zero, 0xfff, zero"),
    (0x80002573, None, None, "csrrs a0, 0x800, zero"),
];

/// Valid only under RV64; every word here is illegal under RV32.
pub(super) const RV64_ONLY: &[Row] = &[
    (0x0f87b483, Some(0x7fe4), Some(0x7fe4), "ld s1, 248(a5)"),
    (0x00053503, Some(0x6108), Some(0x6108), "ld a0, 0(a0)"),
    (0x10053503, None, None, "ld a0, 256(a0)"),
    (0x00453503, None, None, "ld a0, 4(a0)"),
    (0x1f813503, Some(0x757e), Some(0x757e), "ld a0, 504(sp)"),
    (0x00013083, Some(0x6082), Some(0x6082), "ld ra, 0(sp)"),
    (0x00813003, None, None, "ld zero, 8(sp)"),
    (0x20013503, None, None, "ld a0, 512(sp)"),
    (0x00413503, None, None, "ld a0, 4(sp)"),
    (0xff833283, None, None, "ld t0, -8(t1)"),
    (0x0005e503, None, None, "lwu a0, 0(a1)"),
    (0xfff16503, None, None, "lwu a0, -1(sp)"),
    (0x00a43423, Some(0xe408), Some(0xe408), "sd a0, 8(s0)"),
    (0x0ea7bc23, Some(0xffe8), Some(0xffe8), "sd a0, 248(a5)"),
    (0x00a2b423, None, None, "sd a0, 8(t0)"),
    (0x1e113c23, Some(0xff86), Some(0xff86), "sd ra, 504(sp)"),
    (0x00013023, Some(0xe002), Some(0xe002), "sd zero, 0(sp)"),
    (0x20113023, None, None, "sd ra, 512(sp)"),
    (0x00113223, None, None, "sd ra, 4(sp)"),
    (0xfe05051b, Some(0x3501), Some(0x3501), "addiw a0, a0, -32"),
    (0x01f4041b, Some(0x247d), Some(0x247d), "addiw s0, s0, 31"),
    (0x0005051b, Some(0x2501), Some(0x2501), "addiw a0, a0, 0"),
    (0x001f8f9b, Some(0x2f85), Some(0x2f85), "addiw t6, t6, 1"),
    (0x0205051b, None, None, "addiw a0, a0, 32"),
    (0x0010001b, None, None, "addiw zero, zero, 1"),
    (0x0015851b, None, None, "addiw a0, a1, 1"),
    (0x0010051b, None, None, "addiw a0, zero, 1"),
    (0x03f51513, Some(0x157e), Some(0x157e), "slli a0, a0, 63"),
    (0x02051513, Some(0x1502), Some(0x1502), "slli a0, a0, 32"),
    (0x02829293, Some(0x12a2), Some(0x12a2), "slli t0, t0, 40"),
    (0x03f45413, Some(0x907d), Some(0x907d), "srli s0, s0, 63"),
    (0x02045413, Some(0x9001), Some(0x9001), "srli s0, s0, 32"),
    (0x4217d793, Some(0x9785), Some(0x9785), "srai a5, a5, 33"),
    (0x43f5d513, None, None, "srai a0, a1, 63"),
    (0x01f5951b, None, None, "slliw a0, a1, 31"),
    (0x0005151b, None, None, "slliw a0, a0, 0"),
    (0x0013529b, None, None, "srliw t0, t1, 1"),
    (0x41f5d51b, None, None, "sraiw a0, a1, 31"),
    (0x00b5053b, Some(0x9d2d), Some(0x9d2d), "addw a0, a0, a1"),
    (0x00f4043b, Some(0x9c3d), Some(0x9c3d), "addw s0, s0, a5"),
    (0x00a5853b, None, None, "addw a0, a1, a0"), // no exact compressed form; GAS: c.addw a0,a1 (0x9d2d), equivalent but not the same Inst
    (0x006282bb, None, None, "addw t0, t0, t1"),
    (0x40b5053b, Some(0x9d0d), Some(0x9d0d), "subw a0, a0, a1"),
    (0x40c5853b, None, None, "subw a0, a1, a2"),
    (0x00c5953b, None, None, "sllw a0, a1, a2"),
    (0x00c5d53b, None, None, "srlw a0, a1, a2"),
    (0x40c5d53b, None, None, "sraw a0, a1, a2"),
    (0x02c5853b, None, None, "mulw a0, a1, a2"),
    (0x02c5c53b, None, None, "divw a0, a1, a2"),
    (0x02c5d53b, None, None, "divuw a0, a1, a2"),
    (0x02c5e53b, None, None, "remw a0, a1, a2"),
    (0x02c5f53b, None, None, "remuw a0, a1, a2"),
    (0x1005b52f, None, None, "lr.d a0, (a1)"),
    (0x1605b52f, None, None, "lr.d.aqrl a0, (a1)"),
    (0x18c5b52f, None, None, "sc.d a0, a2, (a1)"),
    (0x1cc5b52f, None, None, "sc.d.aq a0, a2, (a1)"),
    (0x08b6352f, None, None, "amoswap.d a0, a1, (a2)"),
    (0x00b6352f, None, None, "amoadd.d a0, a1, (a2)"),
    (0x20b6352f, None, None, "amoxor.d a0, a1, (a2)"),
    (0x60b6352f, None, None, "amoand.d a0, a1, (a2)"),
    (0x42b6352f, None, None, "amoor.d.rl a0, a1, (a2)"),
    (0x80b6352f, None, None, "amomin.d a0, a1, (a2)"),
    (0xa0b6352f, None, None, "amomax.d a0, a1, (a2)"),
    (0xc0b6352f, None, None, "amominu.d a0, a1, (a2)"),
    (0xe4b6352f, None, None, "amomaxu.d.aq a0, a1, (a2)"),
    (0x02845413, Some(0x9021), Some(0x9021), "srli s0, s0, 40"), // c.srli s0, 40
    (0x43f45413, Some(0x947d), Some(0x947d), "srai s0, s0, 63"), // c.srai s0, 63
    (0x03f09093, Some(0x10fe), Some(0x10fe), "slli ra, ra, 63"), // c.slli ra, 63
];

/// RV32 rows: c.jal exists only here (its slot is c.addiw on RV64), and the `*h` counter CSRs.
pub(super) const RV32_ONLY: &[Row] = &[
    (0x7fe000ef, None, Some(0x2ffd), "jal ra, +2046"), // jal .+2046; ours: c.jal .+2046
    (0x801ff0ef, None, Some(0x3001), "jal ra, -2048"), // jal .-2048; ours: c.jal .-2048
    (0x001000ef, None, None, "jal ra, +2048"),
    (0x002000ef, None, Some(0x2009), "jal ra, +2"), // jal .+2; ours: c.jal .+2
    (0x004000ef, None, Some(0x2011), "jal ra, +4"), // jal ra, .+4; ours: c.jal .+4
    (0xfffff0ef, Some(0x3ffd), Some(0x3ffd), "jal ra, -2"), // c.jal .-2
    (0x01f45413, Some(0x807d), Some(0x807d), "srli s0, s0, 31"),
    (0x01f51513, Some(0x057e), Some(0x057e), "slli a0, a0, 31"),
    (0x41f7d793, Some(0x87fd), Some(0x87fd), "srai a5, a5, 31"),
    (0xc8002573, None, None, "csrrs a0, cycleh, zero"),
    (0xc8102573, None, None, "csrrs a0, timeh, zero"),
    (0xc8202573, None, None, "csrrs a0, instreth, zero"),
];

/// (encoding, why) illegal under both XLENs. objdump's reading is noted: it prints some reserved
/// encodings (c.addi16sp with a zero immediate) as instructions although the spec reserves them.
pub(super) const ILLEGAL_COMMON: &[(u32, &str)] = &[
    (0x0000, "all-zero halfword (defined illegal)"), // objdump: c.unimp
    (0x0004, "c.addi4spn with nzuimm=0"),            // objdump: .2byte 0x4
    (0x0010, "c.addi4spn with nzuimm=0, rd'=a2"),    // objdump: .2byte 0x10
    (0x2000, "c.fld (D unsupported)"),               // objdump: .2byte 0x2000
    (0x2408, "c.fld (D unsupported)"),               // objdump: .2byte 0x2408
    (0x8000, "reserved quadrant-0 slot"),            // objdump: .2byte 0x8000
    (0x9ffc, "reserved quadrant-0 slot"),            // objdump: .2byte 0x9ffc
    (0xa000, "c.fsd (D unsupported)"),               // objdump: .2byte 0xa000
    (0x6101, "c.addi16sp with nzimm=0"),             // objdump: c.addi16sp sp,0
    (0x6501, "c.lui with nzimm=0"),                  // objdump: .2byte 0x6501
    (0x6001, "c.lui rd=0 with nzimm=0"),             // objdump: .2byte 0x6001
    (0x9c41, "reserved CA funct2=10 with bit 12 set"), // objdump: .2byte 0x9c41
    (0x9c61, "reserved CA funct2=11 with bit 12 set"), // objdump: .2byte 0x9c61
    (0x9fe1, "reserved CA funct2=11 with bit 12 set"), // objdump: .2byte 0x9fe1
    (0x2002, "c.fldsp (D unsupported)"),             // objdump: .2byte 0x2002
    (0x4002, "c.lwsp with rd=0"),                    // objdump: .2byte 0x4002
    (0x8002, "c.jr with rs1=0"),                     // objdump: .2byte 0x8002
    (0xa002, "c.fsdsp (D unsupported)"),             // objdump: .2byte 0xa002
    (0x00002063, "branch funct3=2"),                 // objdump: .4byte 0x2063
    (0x00003063, "branch funct3=3"),                 // objdump: .4byte 0x3063
    (0x00001067, "jalr funct3=1"),                   // objdump: .4byte 0x1067
    (0x00007003, "load funct3=7"),                   // objdump: .4byte 0x7003
    (0x00004023, "store funct3=4"),                  // objdump: .4byte 0x4023
    (0x40051513, "slli with funct6=0x10"),           // objdump: .4byte 0x40051513
    (0x60055513, "srai with funct6=0x18"),           // objdump: .4byte 0x60055513
    (0x08051513, "slli with funct6=0x02"),           // objdump: .4byte 0x8051513
    (0x40b51533, "OP funct7=0x20 funct3=1"),         // objdump: .4byte 0x40b51533
    (0x04b50533, "OP funct7=0x02"),                  // objdump: .4byte 0x4b50533
    (0x0000200f, "MISC-MEM funct3=2"),               // objdump: .4byte 0x200f
    (0x00004073, "SYSTEM funct3=4"),                 // objdump: .4byte 0x4073
    (0x30200073, "mret (privileged)"),               // objdump: mret
    (0x10200073, "sret (privileged)"),               // objdump: sret
    (0x10500073, "wfi (privileged)"),                // objdump: wfi
    (0x12000073, "sfence.vma (privileged)"),         // objdump: sfence.vma zero,zero
    (0x00100173, "ecall/ebreak space with rd set"),  // objdump: .4byte 0x100173
    (0x00200073, "SYSTEM funct12=2 (uret)"),         // objdump: uret
    (0x1015a52f, "lr.w with rs2!=0"),                // objdump: .4byte 0x1015a52f
    (0x2805a52f, "AMO funct5=0x05"),                 // objdump: .4byte 0x2805a52f
    (0x0805c52f, "AMO funct3=4"),                    // objdump: .4byte 0x805c52f
    (0x0005a007, "flw (F unsupported)"),             // objdump: .4byte 0x5a007
    (0x0005b027, "fsd (F/D unsupported)"),           // objdump: .4byte 0x5b027
    (0x00b57553, "fadd.s (F unsupported)"),          // objdump: .4byte 0xb57553
    (0x00b57543, "fmadd.s (F unsupported)"),         // objdump: .4byte 0xb57543
    (0x0000000b, "custom-0"),                        // objdump: .4byte 0xb
    (0x00000057, "OP-V (V unsupported)"),            // objdump: .4byte 0x57
    (0x0800102f, "AMO width funct3=1"),              // objdump: .4byte 0x800102f
];

/// Illegal under RV64 (several are valid RV32 encodings, e.g. 0x2001 is c.jal there).
pub(super) const ILLEGAL_RV64: &[(u32, &str)] = &[
    (0x2001, "c.addiw with rd=0"),              // objdump: .2byte 0x2001
    (0x203d, "c.addiw with rd=0 and imm"),      // objdump: .2byte 0x203d
    (0x6002, "c.ldsp with rd=0"),               // objdump: .2byte 0x6002
    (0x0205151b, "slliw with shamt[5]=1"),      // objdump: .4byte 0x205151b
    (0x4205551b, "sraiw with shamt[5]=1"),      // objdump: .4byte 0x4205551b
    (0x0005251b, "OP-IMM-32 funct3=2"),         // objdump: .4byte 0x5251b
    (0x0005451b, "OP-IMM-32 funct3=4"),         // objdump: .4byte 0x5451b
    (0x40b5153b, "OP-32 funct7=0x20 funct3=1"), // objdump: .4byte 0x40b5153b
    (0x02b5153b, "mulhw does not exist"),       // objdump: .4byte 0x2b5153b
    (0x00b5253b, "OP-32 slt does not exist"),   // objdump: .4byte 0xb5253b
    (0x00b5753b, "OP-32 and does not exist"),   // objdump: .4byte 0xb5753b
    (0x1005c52f, "AMO funct3=4"),               // objdump: .4byte 0x1005c52f
];

/// Illegal under RV32 (most are valid RV64 encodings). objdump accepts shift amounts of 32 and up even
/// for ELF32, but the spec reserves them (custom use for c.slli/c.srli/c.srai) on RV32.
pub(super) const ILLEGAL_RV32: &[(u32, &str)] = &[
    (0x6000, "c.flw (F unsupported on RV32)"),   // objdump: .2byte 0x6000
    (0xe000, "c.fsw (F unsupported on RV32)"),   // objdump: .2byte 0xe000
    (0x6002, "c.flwsp (F unsupported on RV32)"), // objdump: .2byte 0x6002
    (0xe002, "c.fswsp (F unsupported on RV32)"), // objdump: .2byte 0xe002
    (0x9001, "c.srli with shamt[5]=1 (custom on RV32)"), // objdump: c.srli s0,0x20
    (0x9405, "c.srai with shamt[5]=1 (custom on RV32)"), // objdump: c.srai s0,0x21
    (0x1502, "c.slli with shamt[5]=1 (custom on RV32)"), // objdump: c.slli a0,0x20
    (0x9c01, "c.subw (RV64 only)"),              // objdump: .2byte 0x9c01
    (0x9c21, "c.addw (RV64 only)"),              // objdump: .2byte 0x9c21
    (0x02051513, "slli with shamt[5]=1"),        // objdump: slli a0,a0,0x20
    (0x02055513, "srli with shamt[5]=1"),        // objdump: srli a0,a0,0x20
    (0x42055513, "srai with shamt[5]=1"),        // objdump: srai a0,a0,0x20
    (0x0015051b, "addiw (RV64 only)"),           // objdump: .4byte 0x15051b
    (0x0015151b, "slliw (RV64 only)"),           // objdump: .4byte 0x15151b
    (0x00b5053b, "addw (RV64 only)"),            // objdump: .4byte 0xb5053b
    (0x02b5053b, "mulw (RV64 only)"),            // objdump: .4byte 0x2b5053b
    (0x00053503, "ld (RV64 only)"),              // objdump: .4byte 0x53503
    (0x0005e503, "lwu (RV64 only)"),             // objdump: .4byte 0x5e503
    (0x00a43023, "sd (RV64 only)"),              // objdump: .4byte 0xa43023
    (0x1005b52f, "lr.d (RV64 only)"),            // objdump: .4byte 0x1005b52f
    (0x18c5b52f, "sc.d (RV64 only)"),            // objdump: .4byte 0x18c5b52f
    (0x00b6352f, "amoadd.d (RV64 only)"),        // objdump: .4byte 0xb6352f
];
