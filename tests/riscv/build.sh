#!/usr/bin/env bash
# Builds the RISC-V guest corpus for every target and checks each ELF under qemu-user against its
# expectation file. See tests/riscv/README.md for the layout and the expectation format.
#
#   tests/riscv/build.sh                 build everything, then check everything
#   tests/riscv/build.sh --no-build      check the committed ELFs only (no cross compiler needed)
#   tests/riscv/build.sh --no-check      build only
#   tests/riscv/build.sh --record NAME.. (re)write the expectations of NAME from qemu's behaviour;
#                                        review the result by hand before committing it
#   tests/riscv/build.sh NAME..          restrict to these programs (guests or hostile)
set -euo pipefail

# Build from the repository root with relative paths: the file names end up in .symtab, and the
# committed ELFs must not depend on where the tree was checked out.
cd "$(dirname "$0")/../.."

TARGETS=(rv32im rv64im rv32imac rv64imac)
CC=${CC:-riscv64-unknown-elf-gcc}
DIRS=(tests/riscv/guests tests/riscv/hostile tests/riscv/effects tests/riscv/debug)
OUT=tests/riscv/elf
MAX_ELF=20480

build=1 check=1 record=0
names=()
for arg in "$@"; do
    case $arg in
        --no-build) build=0 ;;
        --no-check) check=0 ;;
        --record) record=1 ;;
        -h | --help)
            sed -n '2,10p' "$0"
            exit 0
            ;;
        -*)
            echo "unknown option $arg" >&2
            exit 2
            ;;
        *) names+=("$arg") ;;
    esac
done

abi_of() { case $1 in rv32*) echo ilp32 ;; rv64*) echo lp64 ;; esac; }
xlen_of() { case $1 in rv32*) echo rv32 ;; rv64*) echo rv64 ;; esac; }
qemu_of() { case $1 in rv32*) echo qemu-riscv32 ;; rv64*) echo qemu-riscv64 ;; esac; }

# Every source, as "dir name file".
sources=()
for d in "${DIRS[@]}"; do
    for f in "$d"/*.c "$d"/*.S; do
        [ -e "$f" ] || continue
        n=$(basename "${f%.*}")
        if [ ${#names[@]} -gt 0 ]; then
            keep=0
            for want in "${names[@]}"; do [ "$want" = "$n" ] && keep=1; done
            [ $keep = 1 ] || continue
        fi
        sources+=("$d $n $f")
    done
done
if [ ${#sources[@]} -eq 0 ]; then
    echo "no programs matched" >&2
    exit 2
fi

# A source may restrict its targets with a line containing `cw-targets: t1 t2` (e.g. programs using
# the A or C extension explicitly) and add flags with `cw-cflags: ...`.
targets_of() {
    local t
    t=$(sed -n 's/.*cw-targets:\([^*]*\).*/\1/p' "$1" | head -n1)
    if [ -n "$t" ]; then echo $t; else echo "${TARGETS[@]}"; fi
}
cflags_of() { sed -n 's/.*cw-cflags:\([^*]*\).*/\1/p' "$1" | head -n1; }

elf_path() { # dir name target
    case $1 in
        tests/riscv/hostile) echo "$OUT/$3/hostile/$2.elf" ;;
        tests/riscv/effects) echo "$OUT/$3/effects/$2.elf" ;;
        tests/riscv/debug) echo "$OUT/$3/debug/$2.elf" ;;
        *) echo "$OUT/$3/$2.elf" ;;
    esac
}

if [ $build = 1 ]; then
    # Objects are compiled one by one under fixed names: ld names an object without a file symbol
    # (crt0.o, and the .S guests) after its file, and the compiler driver's temporary names would
    # make every build differ.
    objs=$(mktemp -d)
    trap 'rm -rf "$objs"' EXIT
    built=0 big=0
    for s in "${sources[@]}"; do
        read -r dir name file <<<"$s"
        for t in $(targets_of "$file"); do
            elf=$(elf_path "$dir" "$name" "$t")
            mkdir -p "$(dirname "$elf")" "$objs/$t/$name"
            flags=(-march="$t" -mabi="$(abi_of "$t")" -mcmodel=medany -fno-pic -O2 -Wall -Wextra
                -nostdlib -ffreestanding -static -ffunction-sections -fdata-sections -I guest)
            if [ ! -f "$objs/$t/rt.o" ]; then
                $CC "${flags[@]}" -c guest/crt0.S -o "$objs/$t/crt0.o"
                $CC "${flags[@]}" -c guest/rt.c -o "$objs/$t/rt.o"
            fi
            # The debugger's programs keep their DWARF (-O0 -g, not stripped).
            own=() strip=(-Wl,--strip-debug)
            if [ "$dir" = tests/riscv/debug ]; then own=(-O0 -g) strip=(); fi
            # shellcheck disable=SC2046
            $CC "${flags[@]}" "${own[@]}" $(cflags_of "$file") -c "$file" -o "$objs/$t/$name/$name.o"
            # --strip-debug: Debian's libgcc objects carry DWARF that would triple the size of small
            # guests; .symtab stays, for disassembly and symbolized traces.
            $CC "${flags[@]}" -Wl,--gc-sections "${strip[@]}" -Wl,--build-id=none \
                "$objs/$t/crt0.o" "$objs/$t/rt.o" "$objs/$t/$name/$name.o" -lgcc -o "$elf"
            size=$(stat -c %s "$elf")
            if [ "$size" -gt $MAX_ELF ]; then
                echo "warning: $elf is $size bytes (over $MAX_ELF)" >&2
                big=$((big + 1))
            fi
            built=$((built + 1))
        done
    done
    echo "built $built ELFs into $OUT/ ($big over $MAX_ELF bytes)"
fi

[ $check = 1 ] || [ $record = 1 ] || exit 0

# qemu-user writes guest core files into the working directory on a fatal signal.
ulimit -c 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "${objs:-}"' EXIT

# Runs one ELF and writes its observed behaviour as an expectation file ($2) and stderr ($3).
run_one() { # elf expect_out stderr_out target timeout_mode
    local elf=$1 exp=$2 err=$3 t=$4 mode=$5 rc
    set +e
    local limit=20
    [ "$mode" = timeout ] && limit=2
    # The outer redirection only swallows bash's own "Segmentation fault" report.
    { timeout $limit "$(qemu_of "$t")" "$elf" </dev/null >"$exp.stdout" 2>"$err"; } 2>/dev/null
    rc=$?
    set -e
    if [ "$mode" = timeout ] && [ $rc = 124 ]; then rc=timeout; fi
    if [ -s "$exp.stdout" ] && [ "$(tail -c1 "$exp.stdout" | od -An -c | tr -d ' ')" != '\n' ]; then
        # The format needs the exit line to start a line of its own.
        echo "(stdout does not end with a newline)" >>"$err"
    fi
    { cat "$exp.stdout"; echo "exit: $rc"; } >"$exp"
    rm -f "$exp.stdout"
}

pass=0 fail=0
declare -A tpass tfail
failures=()
for s in "${sources[@]}"; do
    read -r dir name file <<<"$s"
    base=$dir/$name
    # Programs that use Causeway calls behave differently under qemu by design: built, not run.
    [ "$dir" = tests/riscv/effects ] && continue
    if [ $record = 1 ]; then
        # Record per xlen; write one shared file when both agree.
        declare -A got=()
        gerr=""
        for t in $(targets_of "$file"); do
            x=$(xlen_of "$t")
            mode=normal
            [ -f "$base.expect" ] && [ "$(tail -n1 "$base.expect")" = "exit: timeout" ] && mode=timeout
            run_one "$(elf_path "$dir" "$name" "$t")" "$tmp/$t.exp" "$tmp/$t.err" "$t" $mode
            if [ -n "${got[$x]:-}" ] && ! cmp -s "${got[$x]}" "$tmp/$t.exp"; then
                echo "record $name: $t disagrees with the other $x target:" >&2
                diff "${got[$x]}" "$tmp/$t.exp" >&2 || true
                exit 1
            fi
            got[$x]=$tmp/$t.exp
            if [ -n "$gerr" ] && ! cmp -s "$gerr" "$tmp/$t.err"; then
                echo "record $name: stderr differs between targets" >&2
                exit 1
            fi
            gerr=$tmp/$t.err
        done
        rm -f "$base.expect" "$base.rv32.expect" "$base.rv64.expect" "$base.stderr"
        if [ -n "${got[rv32]:-}" ] && [ -n "${got[rv64]:-}" ] && ! cmp -s "${got[rv32]}" "${got[rv64]}"; then
            cp "${got[rv32]}" "$base.rv32.expect"
            cp "${got[rv64]}" "$base.rv64.expect"
        else
            cp "${got[rv64]:-${got[rv32]}}" "$base.expect"
        fi
        [ -s "$gerr" ] && cp "$gerr" "$base.stderr"
        echo "recorded $name: $(ls "$base".*expect "$base.stderr" 2>/dev/null | tr '\n' ' ')"
        unset got
        continue
    fi
    for t in $(targets_of "$file"); do
        x=$(xlen_of "$t")
        exp=$base.$x.expect
        [ -f "$exp" ] || exp=$base.expect
        if [ ! -f "$exp" ]; then
            failures+=("$t/$name: no expectation file")
            fail=$((fail + 1)) tfail[$t]=$((${tfail[$t]:-0} + 1))
            continue
        fi
        mode=normal
        [ "$(tail -n1 "$exp")" = "exit: timeout" ] && mode=timeout
        run_one "$(elf_path "$dir" "$name" "$t")" "$tmp/got" "$tmp/err" "$t" $mode
        experr=/dev/null
        [ -f "$base.stderr" ] && experr=$base.stderr
        if cmp -s "$exp" "$tmp/got" && cmp -s "$experr" "$tmp/err"; then
            pass=$((pass + 1)) tpass[$t]=$((${tpass[$t]:-0} + 1))
        else
            fail=$((fail + 1)) tfail[$t]=$((${tfail[$t]:-0} + 1))
            msg="$t/$name:"$'\n'"$(diff -u "$exp" "$tmp/got" | head -n 30 || true)"
            cmp -s "$experr" "$tmp/err" || msg+=$'\n'"stderr:"$'\n'"$(diff -u "$experr" "$tmp/err" | head -n 10 || true)"
            failures+=("$msg")
        fi
    done
done

[ $record = 1 ] && exit 0

for f in "${failures[@]}"; do printf 'FAIL %s\n' "$f"; done
for t in "${TARGETS[@]}"; do
    printf '%-9s %3d passed, %d failed\n' "$t" "${tpass[$t]:-0}" "${tfail[$t]:-0}"
done
echo "total: $pass passed, $fail failed"
[ $fail = 0 ]
