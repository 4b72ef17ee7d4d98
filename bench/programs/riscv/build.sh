#!/usr/bin/env bash
# Builds the RISC-V benchmark guests and their native x86-64 twins from the same sources, and keeps
# the expected checksum output of each in NAME.expect (same format as tests/riscv: stdout, then
# `exit: N`).
#
#   bench/programs/riscv/build.sh            build elf/rv64imac, elf/rv32imac and native/, then
#                                            (re)record NAME.expect from the native run
#   bench/programs/riscv/build.sh --check    also run both ELFs under qemu-user against NAME.expect
#   bench/programs/riscv/build.sh --time     also time native and qemu-riscv64 (3 runs each)
#   bench/programs/riscv/build.sh NAME..     only these benchmarks (`startup_big`: the guest below)
#
# Without NAMEs it also builds the large guest of the start-up benchmark, startup/big.c, into
# startup/big.elf (rv64imac only) and native/startup_big, recording startup/big.expect; --check
# runs it under qemu-riscv64 too. It is not one of the benchmarks, so --time leaves it out.
#
# The expectation comes from the native build: it is an independent compiler and ISA, so a
# checksum that qemu and native agree on is unlikely to be an artifact of either.
set -euo pipefail
cd "$(dirname "$0")/../../.." # the repository root: paths in .symtab stay relative
here=bench/programs/riscv

check=0 timing=0 big=0
names=()
for arg in "$@"; do
    case $arg in
        --check) check=1 ;;
        --time) timing=1 ;;
        -h | --help)
            sed -n '2,17p' "$0"
            exit 0
            ;;
        -*)
            echo "unknown option $arg" >&2
            exit 2
            ;;
        startup_big) big=1 ;;
        *) names+=("$arg") ;;
    esac
done
if [ ${#names[@]} -eq 0 ] && [ $big = 0 ]; then
    for f in "$here"/*.c; do names+=("$(basename "${f%.c}")"); done
    big=1
fi

CC=${CC:-riscv64-unknown-elf-gcc}
RV_FLAGS=(-mcmodel=medany -fno-pic -O2 -Wall -Wextra -nostdlib -ffreestanding -static
    -ffunction-sections -fdata-sections -I guest)
RV_LDFLAGS=(-Wl,--gc-sections -Wl,--strip-debug -Wl,--build-id=none)
# Debian's gcc defaults to PIE and stack protection; the latter reads a canary through %fs, which
# nothing sets up without libc, so both are turned off.
NATIVE_FLAGS=(-O2 -Wall -Wextra -nostdlib -ffreestanding -static -fno-pie -no-pie -fno-stack-protector
    -fcf-protection=none -I guest)

# Runs a command and writes its stdout followed by `exit: N` to $1.
run_to() {
    local out=$1 rc
    shift
    set +e
    "$@" </dev/null >"$out.stdout"
    rc=$?
    set -e
    { cat "$out.stdout"; echo "exit: $rc"; } >"$out"
    rm -f "$out.stdout"
}
tmp=$(mktemp)
objs=$(mktemp -d)
trap 'rm -rf "$tmp" "$objs"' EXIT

mkdir -p "$here/elf/rv64imac" "$here/elf/rv32imac" "$here/native"
for n in ${names[@]+"${names[@]}"}; do
    src=$here/$n.c
    # Separate compiles under fixed object names keep the ELFs byte-for-byte reproducible (ld
    # records an object's file name when it has no file symbol of its own, as crt0.o).
    for t in rv64imac:lp64 rv32imac:ilp32; do
        arch=${t%%:*}
        o=$objs/$arch
        mkdir -p "$o"
        $CC -march=$arch -mabi=${t##*:} "${RV_FLAGS[@]}" -c guest/crt0.S -o "$o/crt0.o"
        $CC -march=$arch -mabi=${t##*:} "${RV_FLAGS[@]}" -c guest/rt.c -o "$o/rt.o"
        $CC -march=$arch -mabi=${t##*:} "${RV_FLAGS[@]}" -c "$src" -o "$o/$n.o"
        $CC -march=$arch -mabi=${t##*:} "${RV_FLAGS[@]}" "${RV_LDFLAGS[@]}" "$o/crt0.o" "$o/rt.o" "$o/$n.o" \
            -lgcc -o "$here/elf/$arch/$n.elf"
    done
    gcc "${NATIVE_FLAGS[@]}" guest/crt0.S guest/rt.c "$src" -lgcc -o "$here/native/$n"
    run_to "$here/$n.expect" "$here/native/$n"
    echo "built $n: $(tr '\n' ' ' <"$here/$n.expect")"
done
if [ $big = 1 ]; then
    # The start-up guest, compiled like the others (fixed object names: a reproducible ELF).
    o=$objs/startup
    mkdir -p "$o"
    $CC -march=rv64imac -mabi=lp64 "${RV_FLAGS[@]}" -c guest/crt0.S -o "$o/crt0.o"
    $CC -march=rv64imac -mabi=lp64 "${RV_FLAGS[@]}" -c guest/rt.c -o "$o/rt.o"
    $CC -march=rv64imac -mabi=lp64 "${RV_FLAGS[@]}" -c "$here/startup/big.c" -o "$o/big.o"
    $CC -march=rv64imac -mabi=lp64 "${RV_FLAGS[@]}" "${RV_LDFLAGS[@]}" "$o/crt0.o" "$o/rt.o" "$o/big.o" \
        -lgcc -o "$here/startup/big.elf"
    gcc "${NATIVE_FLAGS[@]}" guest/crt0.S guest/rt.c "$here/startup/big.c" -lgcc -o "$here/native/startup_big"
    run_to "$here/startup/big.expect" "$here/native/startup_big"
    echo "built startup_big ($(stat -c %s "$here/startup/big.elf") bytes): $(tr '\n' ' ' <"$here/startup/big.expect")"
fi

ulimit -c 0
fail=0
if [ $check = 1 ]; then
    for n in ${names[@]+"${names[@]}"}; do
        for t in rv64imac rv32imac; do
            q=qemu-riscv64
            [ $t = rv32imac ] && q=qemu-riscv32
            run_to "$tmp" $q "$here/elf/$t/$n.elf"
            if cmp -s "$tmp" "$here/$n.expect"; then
                echo "ok   $t/$n"
            else
                echo "FAIL $t/$n:"
                diff "$here/$n.expect" "$tmp" || true
                fail=1
            fi
        done
    done
    if [ $big = 1 ]; then
        run_to "$tmp" qemu-riscv64 "$here/startup/big.elf"
        if cmp -s "$tmp" "$here/startup/big.expect"; then
            echo "ok   rv64imac/startup_big"
        else
            echo "FAIL rv64imac/startup_big:"
            diff "$here/startup/big.expect" "$tmp" || true
            fail=1
        fi
    fi
fi

if [ $timing = 1 ]; then
    # Mean of 3 wall-clock runs, in seconds. hyperfine is used when present.
    mean3() {
        local t0 t1 total=0
        for _ in 1 2 3; do
            t0=$(date +%s.%N)
            "$@" >/dev/null </dev/null
            t1=$(date +%s.%N)
            total=$(echo "$total + $t1 - $t0" | bc -l)
        done
        printf '%.3f' "$(echo "$total / 3" | bc -l)"
    }
    printf '%-10s %10s %14s %8s\n' benchmark native qemu-riscv64 ratio
    for n in ${names[@]+"${names[@]}"}; do
        if command -v hyperfine >/dev/null; then
            hyperfine -r 3 -N "$here/native/$n" "qemu-riscv64 $here/elf/rv64imac/$n.elf" --export-json /tmp/cw-bench-$$.json >/dev/null
            a=$(python3 -c "import json;r=json.load(open('/tmp/cw-bench-$$.json'))['results'];print('%.3f %.3f'%(r[0]['mean'],r[1]['mean']))")
            nat=${a% *} emu=${a#* }
            rm -f /tmp/cw-bench-$$.json
        else
            nat=$(mean3 "$here/native/$n")
            emu=$(mean3 qemu-riscv64 "$here/elf/rv64imac/$n.elf")
        fi
        printf '%-10s %9ss %13ss %7.1fx\n' "$n" "$nat" "$emu" "$(echo "$emu / $nat" | bc -l)"
    done
fi
exit $fail
