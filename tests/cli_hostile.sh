#!/bin/sh
# The attacks of issue 15, each as a script asserting the safe outcome:
# nothing lands outside --out, nothing saved is lost, and a hostile plugin
# (tests/plugins/hostile.c) cannot stop mmfuzz or leave processes behind.
# Each block names the attack it replays (A1..A15, T for text traces, C
# for create time).
# usage: cli_hostile.sh MMFUZZ PLUGIN_DIR TMPDIR
set -u
mmfuzz=$1 plugins=$2 tmp=$3
rm -rf "$tmp" && mkdir -p "$tmp"
tmp=$(cd "$tmp" && pwd)
pass=0 fail=0
check() {
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi
}
# a private copy of the plugin per attack, so that counting its processes
# (pgrep -f on the path) sees no other test's
plugin() {
	cp "$plugins/hostile$2.so" "$tmp/$1.so"
	echo "$tmp/$1.so"
}
left() { pgrep -f "$1" | wc -l; }
printf 'mmfuzz 1 profile=tiny\nalloc_pages slot=1 order=3 gfp=GFP_KERNEL\nfree_pages slot=1\n' >"$tmp/good.txt"
printf 'old\n' >"$tmp/victim"
mkdir -p "$tmp/outside"

# A1: --out "" (and other empty paths) is a usage error, never "/"
"$mmfuzz" fuzz --mutant free_counted_twice --time 1 -q --out "" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q 'needs a path' "$tmp/err" && check ok || check bad "A1: --out '': exit $rc: $(cat "$tmp/err")"
"$mmfuzz" show --binary -o "" "$tmp/good.txt" >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && check ok || check bad "A1: show -o '': exit $rc, want 2"
"$mmfuzz" corpus generate -o "" -n 1 >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && check ok || check bad "A1: corpus -o '': exit $rc, want 2"

# A8: a plugin's mutant named to climb out of --out: refused at load
"$mmfuzz" fuzz --adapter "$plugins/hostile_bad_mutant.so" --mutant ../../../escaped --time 1 -q \
	--out "$tmp/o8/a/b" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "name must be" "$tmp/err" && check ok || check bad "A8: exit $rc: $(cat "$tmp/err")"
[ -z "$(find "$tmp" -name escaped)" ] && [ ! -e "$tmp/o8" ] && check ok || check bad "A8: something was written"

# A10: a constructor that exits 0 or crashes ends the agent, not mmfuzz:
# exit 3 with the reason
for k in exit:"exited with status 0" segv:"SIGSEGV"; do
	"$mmfuzz" fuzz --adapter "$plugins/hostile_ctor_${k%%:*}.so" --time 1 -q --out "$tmp/o10" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 3 ] && grep -q "${k#*:}" "$tmp/err" && check ok || check bad "A10 ${k%%:*}: exit $rc: $(cat "$tmp/err")"
done

# A12: a plugin op that kills its fork server: a finding, saved; no SIGPIPE
p=$(plugin kill_parent "")
"$mmfuzz" fuzz --adapter "$p" --mutant kill_parent --seed 1 --time 3 --no-shrink -q --out "$tmp/o12" >"$tmp/out" 2>&1
rc=$?
sig=$(grep -m1 '^MMFUZZ: hostile-obj-.*-server$' "$tmp/out")
[ $rc = 1 ] && [ -n "$sig" ] && [ -f "$tmp/o12/kill_parent/${sig#MMFUZZ: }/repro.mmfz" ] && check ok ||
	check bad "A12: exit $rc, signature '$sig': $(head -5 "$tmp/out")"
[ "$(left "$p")" = 0 ] && check ok || check bad "A12: $(left "$p") processes left"

# A11: a plugin that forks processes which leave its group: none is left
p=$(plugin orphans "")
"$mmfuzz" fuzz --adapter "$p" --mutant orphans --seed 1 --time 3 -q --out "$tmp/o11" >"$tmp/out" 2>&1
rc=$?
n=$(sed -n 's/^  sequences *\([0-9]*\).*/\1/p' "$tmp/out")
[ $rc = 0 ] && [ "${n:-0}" -gt 10 ] && check ok || check bad "A11: exit $rc after ${n:-0} sequences"
[ "$(left "$p")" = 0 ] && check ok || check bad "A11: $(left "$p") processes left: $(pgrep -af "$p")"

# A13: SIGKILL or SIGTERM of mmfuzz while a plugin op hangs: the server
# and the hung worker die too
for s in KILL TERM; do
	p=$(plugin "hang$s" "")
	"$mmfuzz" fuzz --adapter "$p" --mutant hang --op-timeout 100000 --time 60 -q --out "$tmp/o13" >/dev/null 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 100 ] && [ "$(left "$p")" -lt 3 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	before=$(left "$p")
	kill -$s $pid
	wait $pid 2>/dev/null
	i=0
	while [ $i -lt 30 ] && [ "$(left "$p")" != 0 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$before" -ge 3 ] && [ "$(left "$p")" = 0 ] && check ok ||
		check bad "A13 SIG$s: $before processes before, $(left "$p") after: $(pgrep -af "$p")"
done

# A9: a check message with a line break: the reproducer still parses and
# replays to its signature
"$mmfuzz" fuzz --adapter "$plugins/hostile.so" --mutant newline_detail --seed 1 --time 3 -q --out "$tmp/o9" \
	>"$tmp/out" 2>&1
sig=$(grep -m1 '^MMFUZZ: hostile-' "$tmp/out")
f="$tmp/o9/newline_detail/${sig#MMFUZZ: }/repro.txt"
if [ -n "$sig" ] && [ -f "$f" ]; then
	"$mmfuzz" show "$f" >/dev/null 2>"$tmp/err" && check ok || check bad "A9: repro.txt does not parse: $(cat "$tmp/err")"
	"$mmfuzz" replay --adapter "$plugins/hostile.so" --mutant newline_detail "$f" >"$tmp/replay" 2>&1
	grep -qF "$sig" "$tmp/replay" && check ok || check bad "A9: replay: $(cat "$tmp/replay")"
	[ "$(grep -c '^# at op' "$f")" = 1 ] && check ok || check bad "A9: the header spans lines: $(head -4 "$f")"
else
	check bad "A9: no finding saved: $(head -3 "$tmp/out")"
fi

# A2: a long --out (about 560 bytes): one folder per signature, all of
# them under --out
long=$tmp/o2
for i in 1 2 3 4 5; do
	long=$long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa$i
done
"$mmfuzz" fuzz --adapter "$plugins/hostile.so" --mutant chaos --seed 3 --time 6 --op-timeout 300 --keep-going \
	--no-shrink -q --out "$long" >"$tmp/out" 2>&1
distinct=$(sed -n 's/^  findings .* in \([0-9]*\) distinct.*/\1/p' "$tmp/out")
saved=$(find "$long/chaos" -name repro.txt 2>/dev/null | wc -l)
[ ${#long} -gt 500 ] && [ "${distinct:-0}" -ge 2 ] && [ "$saved" = "$distinct" ] && check ok ||
	check bad "A2: ${#long}-byte --out: $saved reproducers for ${distinct:-0} signatures"
[ "$(ls "$tmp/o2")" = "$(basename "$(dirname "$(dirname "$(dirname "$(dirname "$long")")")")")" ] && check ok ||
	check bad "A2: files next to --out: $(ls "$tmp/o2")"

# A5: a symlink planted as the mutant's folder, or as a signature's, is
# not followed: exit 3, nothing written through it
mkdir -p "$tmp/o5a"
ln -s "$tmp/outside" "$tmp/o5a/crash"
"$mmfuzz" fuzz --adapter "$plugins/hostile.so" --mutant crash --seed 1 --time 3 --no-shrink -q --out "$tmp/o5a" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && [ -z "$(ls "$tmp/outside")" ] && check ok || check bad "A5 mutant folder: exit $rc, outside: $(ls "$tmp/outside")"
grep -q "cannot save" "$tmp/err" && grep -q '^kmalloc\|^calloc\|^krealloc\|^posix_memalign\|^mmfuzz ' "$tmp/out" &&
	check ok || check bad "A5: no reason or no reproducer on stdout: $(cat "$tmp/err")"
"$mmfuzz" fuzz --adapter "$plugins/hostile.so" --mutant crash --seed 1 --time 3 --no-shrink -q --out "$tmp/o5b" \
	>"$tmp/out" 2>&1
sig=$(grep -m1 '^MMFUZZ: hostile-' "$tmp/out")
mkdir -p "$tmp/o5c/crash"
ln -s "$tmp/outside" "$tmp/o5c/crash/${sig#MMFUZZ: }"
"$mmfuzz" fuzz --adapter "$plugins/hostile.so" --mutant crash --seed 1 --time 3 --no-shrink -q --out "$tmp/o5c" \
	>"$tmp/out" 2>&1
rc=$?
[ -n "$sig" ] && [ $rc = 3 ] && [ -z "$(ls "$tmp/outside")" ] && check ok ||
	check bad "A5 signature folder ($sig): exit $rc, outside: $(ls "$tmp/outside")"

# A6: two campaigns sharing one --out keep exact counts
"$mmfuzz" fuzz --mutant free_counted_twice --seed 1 --time 4 --keep-going --no-shrink -q --out "$tmp/o6" \
	>"$tmp/r1" 2>&1 &
a=$!
"$mmfuzz" fuzz --mutant free_counted_twice --seed 2 --time 4 --keep-going --no-shrink -q --out "$tmp/o6" \
	>"$tmp/r2" 2>&1
wait $a
n=0
for d in "$tmp"/o6/free_counted_twice/*/; do
	sig="MMFUZZ: $(basename "$d")"
	met=0
	for r in "$tmp/r1" "$tmp/r2"; do
		x=$(grep -F "    $sig  x" "$r" | sed -n 's/.*  x\([0-9]*\),.*/\1/p')
		met=$((met + ${x:-0}))
	done
	got=$(cat "$d/count")
	n=$((n + 1))
	[ "$got" = "$met" ] && check ok || check bad "A6: $sig: count $got, the two reports met it $met times"
done
[ $n -ge 1 ] && check ok || check bad "A6: nothing saved"

# A7: SIGKILLs mid-write leave no temp file behind once the next campaign
# has opened the folder
i=0
while [ $i -lt 20 ]; do
	"$mmfuzz" fuzz --mutant free_counted_twice --seed $i --time 30 --keep-going --no-shrink -q --out "$tmp/o7" \
		>/dev/null 2>&1 &
	pid=$!
	sleep 0.$((3 + i % 5))
	kill -9 $pid
	wait $pid 2>/dev/null
	i=$((i + 1))
done
"$mmfuzz" fuzz --mutant free_counted_twice --seed 1 --runs 200 --keep-going -q --out "$tmp/o7" >/dev/null 2>&1
stale=$(find "$tmp/o7" -name '*.tmp.*' | wc -l)
[ -d "$tmp/o7/free_counted_twice" ] && [ "$stale" = 0 ] && check ok || check bad "A7: $stale temp files left"

# A3: symlinks planted at temp names, and at the count file itself, are
# never written through (the folder is one that seed 1's first 200
# sequences find, so the campaign below meets it whatever the machine's
# speed)
"$mmfuzz" fuzz --mutant free_counted_twice --seed 1 --runs 200 --keep-going -q --out "$tmp/o3" >/dev/null 2>&1
d="$tmp/o7/free_counted_twice/$(ls "$tmp/o3/free_counted_twice" | head -n 1)"
ln -sf "$tmp/victim" "$d/count"
sh -c 'for f in count repro.txt repro.mmfz first.mmfz; do ln -s "$2" "$1/$f.tmp.$$"; done; shift 2; exec "$@"' sh \
	"$d" "$tmp/victim" "$mmfuzz" fuzz --mutant free_counted_twice --seed 1 --runs 200 --keep-going -q \
	--out "$tmp/o7" >/dev/null 2>&1
[ "$(cat "$tmp/victim")" = old ] && check ok || check bad "A3: the victim outside --out was written"
[ -f "$d/count" ] && [ ! -L "$d/count" ] && check ok || check bad "A3: count is not a file of its own"

# A4: -o to a FIFO or stdout streams; to a symlink keeps the link; to a
# link to nothing is refused
mkfifo "$tmp/fifo"
timeout 10 cat "$tmp/fifo" >"$tmp/fifo.got" &  # bounded: a regression turns the FIFO into a file
"$mmfuzz" show --binary -o "$tmp/fifo" "$tmp/good.txt"
rc=$?
wait
[ $rc = 0 ] && [ -p "$tmp/fifo" ] && [ "$(head -c 4 "$tmp/fifo.got")" = MMFZ ] && check ok ||
	check bad "A4 FIFO: exit $rc, $(ls -l "$tmp/fifo")"
[ "$("$mmfuzz" show --binary -o - "$tmp/good.txt" | head -c 4)" = MMFZ ] && check ok || check bad "A4: -o - is not stdout"
printf 'old\n' >"$tmp/real.mmfz"
ln -s "$tmp/real.mmfz" "$tmp/link.mmfz"
"$mmfuzz" show --binary -o "$tmp/link.mmfz" "$tmp/good.txt"
[ -L "$tmp/link.mmfz" ] && [ "$(head -c 4 "$tmp/real.mmfz")" = MMFZ ] && check ok || check bad "A4: the link was replaced"
ln -s "$tmp/nowhere" "$tmp/dangling.mmfz"
"$mmfuzz" show --binary -o "$tmp/dangling.mmfz" "$tmp/good.txt" 2>/dev/null
rc=$?
[ $rc = 3 ] && [ ! -e "$tmp/nowhere" ] && check ok || check bad "A4: dangling link: exit $rc"
mkfifo "$tmp/rfifo"
# the reader waits longer than the campaign (fixed seed, no shrinking) takes
timeout 60 cat "$tmp/rfifo" >"$tmp/rfifo.got" &
"$mmfuzz" fuzz --mutant free_counted_twice --runs 5 --seed 3 --no-shrink -q --out "$tmp/o4" --report "$tmp/rfifo" \
	>/dev/null 2>&1
wait
[ -p "$tmp/rfifo" ] && grep -q "mmfuzz fuzz report" "$tmp/rfifo.got" && check ok || check bad "A4: --report FIFO"
# a FIFO nobody reads: the report cannot go out (exit 3, said), and
# mmfuzz does not wait for ever for a reader
mkfifo "$tmp/deadfifo"
timeout 60 "$mmfuzz" fuzz --runs 2 --seed 3 -q --out "$tmp/o4d" --report "$tmp/deadfifo" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && grep -q "cannot write report" "$tmp/err" && check ok || check bad "A4: a FIFO without reader: exit $rc"

# A14: corpus merge with nothing to load
mkdir -p "$tmp/empty1" "$tmp/empty2"
"$mmfuzz" corpus merge "$tmp/o14" "$tmp/empty1" "$tmp/empty2" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && ! grep -q "runtime error\|Sanitizer" "$tmp/err" && check ok || check bad "A14: exit $rc: $(cat "$tmp/err")"

# A15: output lost to a full device is exit 3 with the reason
if [ ! -c /dev/full ]; then
	echo "SKIP: A15: no /dev/full here"
else
"$mmfuzz" show "$tmp/good.txt" >/dev/full 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && grep -q "cannot write the output" "$tmp/err" && check ok || check bad "A15 show: exit $rc: $(cat "$tmp/err")"
"$mmfuzz" fuzz --mutant free_counted_twice --runs 3 -q --out "$tmp/o15" >/dev/full 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && check ok || check bad "A15 fuzz report: exit $rc"
fi

# T: a file that starts like a text trace is text: a NUL or broken UTF-8
# anywhere is an error at its place; UTF-8 in a comment is fine
printf 'mmfuzz 1 profile=tiny\n# comment \000 here\ncheck\n' >"$tmp/nul.txt"
printf '# caf\351\nmmfuzz 1 profile=tiny\ncheck\n' >"$tmp/latin1.txt"
printf '# caf\303\251\nmmfuzz 1 profile=tiny\ncheck\n' >"$tmp/utf8.txt"
"$mmfuzz" show "$tmp/nul.txt" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "nul.txt:2:11: byte 0x00" "$tmp/err" && check ok || check bad "T NUL: exit $rc: $(cat "$tmp/err")"
"$mmfuzz" replay "$tmp/latin1.txt" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "latin1.txt:1:6: byte 0xe9" "$tmp/err" && check ok || check bad "T latin1: exit $rc: $(cat "$tmp/err")"
"$mmfuzz" replay "$tmp/utf8.txt" >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "(1 ops, profile tiny, text)" "$tmp/out" && check ok || check bad "T utf8: exit $rc: $(cat "$tmp/out")"

# C: a slow create is charged to --time once, and one that never answers
# is stopped and named as the cause
t0=$(date +%s)
HOSTILE_CREATE_SLEEP=3 "$mmfuzz" fuzz --adapter "$plugins/hostile.so" --time 2 -q --out "$tmp/oc" >/dev/null 2>&1
rc=$?
t=$(($(date +%s) - t0))
[ $rc = 0 ] && [ $t -le 9 ] && check ok || check bad "C: --time 2 with a 3 s create took $t s (exit $rc)"
t0=$(date +%s)
HOSTILE_CREATE_SLEEP=60 "$mmfuzz" fuzz --adapter "$plugins/hostile.so" --op-timeout 1000 --time 30 -q --out "$tmp/oc" \
	>/dev/null 2>"$tmp/err"
rc=$?
t=$(($(date +%s) - t0))
[ $rc = 3 ] && [ $t -le 20 ] && grep -q "create did not answer within 10 s" "$tmp/err" && check ok ||
	check bad "C: a hung create: exit $rc after $t s: $(cat "$tmp/err")"

echo "cli_hostile: $pass passed, $fail failed"
[ $fail -eq 0 ]
