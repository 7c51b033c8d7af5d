#!/bin/sh
# For three mutants of different families: the campaign finds the bug, the
# minimizer shrinks the reproducer (same signature), export-c writes a C
# program that compiles with the documented command and exits 1 on the
# finding, and 0 when exported for the clean reference; export-c --check
# writes a Check test that passes clean and fails with the mutant on.
# usage: cli_export_c.sh MMFUZZ SOURCE_DIR LIBRARY TMPDIR
set -u
mmfuzz=$1 src=$2 lib=$3 tmp=$4
rm -rf "$tmp" && mkdir -p "$tmp"
pass=0 fail=0
check() {
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi
}
cc="${CC:-cc} ${MMF_CFLAGS:-}"
checklibs=$(pkg-config --libs check 2>/dev/null || echo "-lcheck -lsubunit -lm -lrt -pthread")
for m in cow_no_copy merge_stops_early ksize_too_big; do
	d="$tmp/$m"
	out=$("$mmfuzz" fuzz --mutant "$m" --seed 3 --time 60 -q --no-shrink --out "$d/f" 2>&1)
	sig=$(printf '%s\n' "$out" | grep '^MMFUZZ: ' | head -n 1)
	found=$(ls "$d"/f/"$m"/*/repro.mmfz 2>/dev/null | head -n 1)
	[ -n "$sig" ] && [ -s "$found" ] && check ok || { check bad "$m: no finding: $out"; continue; }
	out=$("$mmfuzz" minimize --mutant "$m" "$found" -o "$d/min.txt" 2>&1)
	st=$?
	[ $st -eq 1 ] && printf '%s\n' "$out" | grep -qF "ops " && check ok || check bad "$m: minimize exited $st: $out"
	r=$("$mmfuzz" replay --mutant "$m" "$d/min.txt" 2>&1)
	printf '%s\n' "$r" | grep -qxF "$d/min.txt: $sig" && check ok || check bad "$m: minimized input gives: $r"
	"$mmfuzz" export-c --mutant "$m" "$d/min.txt" -o "$d/repro.c" >/dev/null || check bad "$m: export-c failed"
	# the documented command, run from the source tree
	(cd "$src" && $cc -std=gnu11 -Iinclude "$d/repro.c" "$lib" -llz4 -lzstd -o "$d/repro") && check ok || check bad "$m: repro.c does not compile"
	r=$("$d/repro" 2>&1)
	st=$?
	[ $st -eq 1 ] && printf '%s\n' "$r" | grep -qxF "$sig" && check ok || check bad "$m: repro exited $st: $r"
	"$mmfuzz" export-c --adapter reference "$d/min.txt" -o "$d/clean.c" >/dev/null || check bad "$m: export-c (clean) failed"
	(cd "$src" && $cc -std=gnu11 -Iinclude "$d/clean.c" "$lib" -llz4 -lzstd -o "$d/clean") && "$d/clean" >/dev/null
	st=$?
	[ $st -eq 0 ] && check ok || check bad "$m: the clean reference's export exited $st"
	"$mmfuzz" export-c --check --mutant "$m" "$d/min.txt" -o "$d/t.c" >/dev/null || check bad "$m: export-c --check failed"
	(cd "$src" && $cc -std=gnu11 -Iinclude "$d/t.c" "$lib" -llz4 -lzstd $checklibs -o "$d/t_clean" &&
		$cc -std=gnu11 -Iinclude -DMMF_REPRO_MUTANT="\"$m\"" "$d/t.c" "$lib" -llz4 -lzstd $checklibs -o "$d/t_mutant") &&
		check ok || check bad "$m: the Check test does not compile"
	"$d/t_clean" >/dev/null 2>&1 && check ok || check bad "$m: the Check test fails on the clean reference"
	"$d/t_mutant" >/dev/null 2>&1 && check bad "$m: the Check test passes with the mutant" || check ok
done
echo "cli_export_c: $pass passed, $fail failed"
[ $fail -eq 0 ]
