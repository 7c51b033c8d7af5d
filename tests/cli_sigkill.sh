#!/bin/sh
# Killing `mmfuzz fuzz` with SIGKILL mid-run loses no saved finding: the
# campaign keeps going after each finding (--keep-going) and is killed as
# soon as findings start to land, three times over into the same folder;
# afterwards every saved reproducer (binary and text) replays to the
# signature its folder is named after, and every first.mmfz loads.
# usage: cli_sigkill.sh MMFUZZ TMPDIR
set -u
mmfuzz=$1 tmp=$2
rm -rf "$tmp" && mkdir -p "$tmp"
pass=0 fail=0
check() {
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi
}
m=free_counted_twice
for round in 1 2 3; do
	"$mmfuzz" fuzz --mutant $m --keep-going --seed $round --time 60 -q --out "$tmp/f" >/dev/null 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 300 ] && [ -z "$(find "$tmp/f" -name repro.mmfz 2>/dev/null | head -n 1)" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.$round
	kill -9 $pid 2>/dev/null && check ok || check bad "round $round: the campaign ended before the kill"
	wait $pid 2>/dev/null
done
# A folder whose text copy is gone (an older mmfuzz wrote the binary
# first, and was killed between the two) gets it back from the next
# campaign that meets the signature, even one whose input is no smaller.
# The folder met most often is the one the next campaign surely meets.
d=$(for c in "$tmp"/f/$m/*/count; do echo "$(cat "$c") $(dirname "$c")"; done | sort -rn | head -n 1 | cut -d' ' -f2-)
if [ -d "$d" ]; then
	rm -f "$d/repro.txt"
	"$mmfuzz" fuzz --mutant $m --keep-going --seed 1 --time 3 -q --out "$tmp/f" >/dev/null 2>&1
	[ -f "$d/repro.txt" ] && check ok || check bad "$d/repro.txt was not written again"
fi
n=0
for d in "$tmp"/f/$m/*/; do
	[ -f "$d/repro.mmfz" ] || continue
	n=$((n + 1))
	sig="MMFUZZ: $(basename "$d")"
	for f in "$d/repro.mmfz" "$d/repro.txt"; do
		r=$("$mmfuzz" replay --mutant $m "$f" 2>&1)
		st=$?
		[ $st -eq 1 ] && printf '%s\n' "$r" | grep -qxF "$f: $sig" && check ok || check bad "$f (exit $st): $r"
	done
	if [ -f "$d/first.mmfz" ]; then
		"$mmfuzz" replay --mutant $m "$d/first.mmfz" >/dev/null 2>&1
		[ $? -ne 2 ] && check ok || check bad "$d/first.mmfz does not load"
	fi
done
[ $n -ge 1 ] && check ok || check bad "no finding was saved before the kills"
echo "cli_sigkill: $n saved findings checked; $pass passed, $fail failed"
[ $fail -eq 0 ]
