use super::*;
use crate::decode::decode;

/// Runs a `li` sequence on a one-register machine.
fn eval(xlen: Xlen, seq: &[Inst]) -> i64 {
    let mut r = 0i64;
    for inst in seq {
        r = match *inst {
            Inst::Lui { imm, .. } => imm,
            Inst::OpImm {
                op: AluOp::Add,
                rs1,
                imm,
                word,
                ..
            } => {
                let a = if rs1 == 0 { 0 } else { r };
                let s = a.wrapping_add(imm);
                if word {
                    i64::from(s as i32)
                } else {
                    s
                }
            }
            Inst::OpImm {
                op: AluOp::Sll, imm, ..
            } => r << imm,
            ref other => panic!("li made {other:?}"),
        };
        r = to_xlen(xlen, r);
    }
    r
}

#[test]
fn li_makes_the_value() {
    let mut src = Source::Prng(7);
    let mut values = vec![
        0,
        1,
        -1,
        2047,
        -2048,
        2048,
        0x7fff_f800,
        0x7fff_ffff,
        i64::from(i32::MIN),
        0x8000_0000,
        0xffff_ffff,
        i64::MAX,
        i64::MIN,
        0x8000_0000_0000_0800u64 as i64,
        0x7fff_ffff_ffff_f800,
    ];
    values.extend((0..5000).map(|_| src.u64() as i64));
    values.extend((0..64).map(|k| 1i64 << k));
    for xlen in [Xlen::X32, Xlen::X64] {
        for &v in &values {
            let seq = li(xlen, 5, v);
            assert_eq!(eval(xlen, &seq), to_xlen(xlen, v), "{xlen:?} li {v:#x}: {seq:?}");
            assert!(seq.len() <= 8, "{xlen:?} li {v:#x}: {} instructions", seq.len());
            for inst in &seq {
                assert!(encode(xlen, inst).is_some(), "{inst:?}");
            }
        }
    }
}

/// Every generated program decodes back to its listing and uses only the allowed kinds.
#[test]
fn programs_decode_to_their_listing() {
    for (seed, xlen, compressed) in [(1, Xlen::X32, false), (2, Xlen::X32, true), (3, Xlen::X64, true)] {
        let p = generate(Config { xlen, compressed }, seed, 20);
        let elf = crate::elf::load(&p.elf, &crate::elf::ElfLimits::default()).unwrap();
        let code = &elf.segments[0];
        let mut short = 0;
        for case in &p.cases {
            for &(pc, inst, len) in &case.body {
                let at = (pc - code.vaddr) as usize;
                let mut word = [0u8; 4];
                let n = (code.data.len() - at).min(4);
                word[..n].copy_from_slice(&code.data[at..at + n]);
                let d = decode(xlen, u32::from_le_bytes(word));
                assert_eq!((d.inst, d.len), (inst, len), "at {pc:#x}");
                assert!(!matches!(
                    inst,
                    Inst::Ecall | Inst::Ebreak | Inst::Csr { .. } | Inst::FenceI | Inst::Illegal
                ));
                if len == 2 {
                    short += 1;
                }
            }
        }
        assert_eq!(
            short > 0,
            compressed,
            "seed {seed}: {short} compressed instructions"
        );
    }
}

#[test]
fn fuzz_bytes_always_make_a_program() {
    let mut src = Source::Prng(11);
    for len in [0usize, 1, 7, 100, 3000] {
        for _ in 0..20 {
            let data: Vec<u8> = (0..len).map(|_| src.byte() as u8).collect();
            for xlen in [Xlen::X32, Xlen::X64] {
                let elf = program_from_bytes(xlen, &data);
                assert!(crate::elf::load(&elf, &crate::elf::ElfLimits::default()).is_ok());
            }
        }
    }
}

#[test]
fn cases_depend_only_on_seed_and_index() {
    let config = Config {
        xlen: Xlen::X64,
        compressed: true,
    };
    let all = generate_cases(config, 5, 10);
    assert_eq!(generate_cases(config, 5, 4)[..], all[..4]);
    assert_ne!(generate_cases(config, 6, 4)[..], all[..4]);
}
