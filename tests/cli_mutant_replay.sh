#!/bin/sh
# For a mutant: `mmfuzz fuzz --mutant M --out D` exits 1 within 60 s and
# saves a binary and a text reproducer; replaying either exits 1 with the
# same signature ten times out of ten, and exits 0 without the mutant.
# A campaign gets up to three seeds of 60 s each: one seed's first catch
# can sit in the tail (cma_migrate_no_copy's median is 12-15 s, but seed
# 5 first catches it in sequence #40226, about 80 s on a 2-core machine),
# and whether a fixed seed gets that far in 60 s depends on the machine.
# usage: cli_mutant_replay.sh MMFUZZ TMPDIR [MUTANT...]
set -u
mmfuzz=$1 tmp=$2
shift 2
# Default: every mutant the reference lists.
mutants=${*:-$("$mmfuzz" adapters --mutants | awk '$1 == "reference" { print $2 }')}
[ -n "$mutants" ] || { echo "FAIL: no mutants listed"; exit 1; }
rm -rf "$tmp" && mkdir -p "$tmp"
pass=0 fail=0
check() {
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi
}
for m in $mutants; do
	for seed in 5 6 7; do
		out=$("$mmfuzz" fuzz --mutant "$m" --time 60 --seed $seed -q --out "$tmp/$m" 2>&1)
		st=$?
		[ $st -eq 1 ] && break
	done
	[ $st -eq 1 ] && check ok || check bad "fuzz --mutant $m exited $st: $out"
	sig=$(printf '%s\n' "$out" | grep '^MMFUZZ: ' | head -n 1)
	dir="$tmp/$m/$m/${sig#MMFUZZ: }"
	for f in "$dir/repro.mmfz" "$dir/repro.txt"; do
		[ -s "$f" ] && check ok || check bad "$f missing"
		same=0
		for i in 1 2 3 4 5 6 7 8 9 10; do
			r=$("$mmfuzz" replay --mutant "$m" "$f" 2>&1)
			st=$?
			[ $st -eq 1 ] && printf '%s\n' "$r" | grep -qxF "$f: $sig" && same=$((same + 1))
		done
		[ $same -eq 10 ] && check ok || check bad "$m: replay of $f gave '$sig' $same/10 times"
		"$mmfuzz" replay "$f" > /dev/null 2>&1
		st=$?
		[ $st -eq 0 ] && check ok || check bad "$m: replay of $f without the mutant exited $st"
	done
done
echo "cli_mutant_replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
