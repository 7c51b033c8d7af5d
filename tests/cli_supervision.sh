#!/bin/sh
# A long campaign against a plugin that, sequence after sequence, leaves
# processes behind, kills its fork server, hangs and crashes (the "chaos"
# mutant of tests/plugins/hostile.c, which picks one by the size the 50th
# allocation asks for): mmfuzz runs it to the end (exit 1, a report),
# the processes it started never pile up while it runs, none is left once
# it ends (checked with ps), and every finding is saved and replays to the
# signature its folder is named after.
# usage: cli_supervision.sh MMFUZZ PLUGIN_DIR TMPDIR [SECONDS]
set -u
mmfuzz=$1 plugins=$2 tmp=$3 secs=${4:-120}
rm -rf "$tmp" && mkdir -p "$tmp"
tmp=$(cd "$tmp" && pwd)
pass=0 fail=0
check() {
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi
}
p=$tmp/chaos.so
cp "$plugins/hostile.so" "$p"
mine() { ps -eo pid=,args= | grep -F "$p" | grep -v grep | wc -l; }
"$mmfuzz" fuzz --adapter "$p" --mutant chaos --seed 7 --time "$secs" --op-timeout 300 --keep-going --no-shrink -q \
	--out "$tmp/f" >"$tmp/out" 2>"$tmp/err" &
pid=$!
most=0
while kill -0 $pid 2>/dev/null; do
	n=$(mine)
	[ "$n" -gt "$most" ] && most=$n
	sleep 2
done
wait $pid
rc=$?
seqs=$(sed -n 's/^  sequences *\([0-9]*\).*/\1/p' "$tmp/out")
[ $rc = 1 ] && grep -q "verdict     FINDING" "$tmp/out" && check ok ||
	check bad "exit $rc (want 1, findings): $(tail -3 "$tmp/err")"
# one server and one worker per profile, mmfuzz itself, and for a moment
# the three processes a worker left; orphans that were not killed would
# pile up past this within seconds (~30 sequences a second)
[ "$most" -le 24 ] && check ok || check bad "up to $most processes of the campaign at once"
sleep 0.5
[ "$(mine)" = 0 ] && check ok || check bad "processes left: $(ps -eo pid=,args= | grep -F "$p" | grep -v grep)"
n=0
for d in "$tmp"/f/chaos/*; do
	[ -d "$d" ] || continue
	sig="MMFUZZ: $(basename "$d")"
	n=$((n + 1))
	r=$("$mmfuzz" replay --adapter "$p" --mutant chaos --op-timeout 300 "$d/repro.mmfz" 2>&1)
	printf '%s\n' "$r" | grep -qxF "$d/repro.mmfz: $sig" && check ok || check bad "$d does not replay: $r"
done
kinds=$(ls "$tmp/f/chaos" | sed 's/.*-//' | sort -u | tr '\n' ' ')
for k in server sigsegv timeout; do
	case " $kinds" in *" $k "*) check ok ;; *) check bad "no '$k' finding among: $kinds" ;; esac
done
[ "$(mine)" = 0 ] && check ok || check bad "replays left processes"
echo "cli_supervision: ${seqs:-0} sequences in $secs s, at most $most processes, $n findings; $pass passed, $fail failed"
[ $fail -eq 0 ]
