#!/bin/sh
# mmfuzz fidelity against this machine's kernel: usage errors exit 2, a
# clean run of 300 sequences agrees to the end (exit 0), and a task killed
# mid-sequence is a disagreement with a signature, saved, exit 1.
# SKIP (77) without the host-linux agent or root's /proc/kpagecount.
mmfuzz=$1 agents=$2 tmp=$3
rm -rf "$tmp" && mkdir -p "$tmp"
export MMFUZZ_AGENT_DIR=$agents
if [ ! -x "$agents/mmfuzz-agent-host-linux" ] || [ ! -r /proc/kpagecount ]; then
	echo "SKIP: no host-linux agent in $agents, or /proc/kpagecount not readable (needs root)"
	exit 77
fi
fail=0
check() { if [ "$1" != "$2" ]; then echo "FAIL: $3 (exit $1, expected $2)"; cat "$tmp/out"; fail=1; else echo "ok: $3"; fi; }
"$mmfuzz" fidelity -n 10 >"$tmp/out" 2>&1; check $? 2 "no --adapter is a usage error"
grep -q "which system" "$tmp/out" || { echo "FAIL: no message"; fail=1; }
"$mmfuzz" fidelity --adapter host-linux -n 10 --max-ops 0 >"$tmp/out" 2>&1; check $? 2 "--max-ops 0 is a usage error"
# a disagreement that does not come back on fresh systems is flaky (the
# kernel's own state): exit 4, listed; one that comes back fails the test
"$mmfuzz" fidelity --adapter host-linux -n 300 -q --out "$tmp/clean" >"$tmp/out" 2>&1
st=$?
[ $st = 4 ] && { echo "note: flaky only:"; grep -- "-flaky$" "$tmp/out"; st=0; }
check $st 0 "300 sequences agree"
grep -q "agreeing where it reproduces: 100.00%" "$tmp/out" || { echo "FAIL: agreement line"; cat "$tmp/out"; fail=1; }
grep -q "^    mprotect " "$tmp/out" || { echo "FAIL: no per-op line for mprotect"; fail=1; }
# what the comparison covered, with the latest generator (issue 17's floor): most
# address-space ops answered by the kernel itself and compared, reads that
# return data, fork trees two generations deep; generator 1 reaches none
covered() { # FILE: 0 when all three floors hold
	awk '/address-space ops answered and compared/ { a = $NF + 0 }
	     /reads that returned data/ { r = $NF + 0 }
	     /fork depth median/ { for (i = 2; i < NF; i++) if ($i == "median" && $(i - 1) == "depth") d = $(i + 1) + 0 }
	     END { printf "answered %s%%, reads with data %s%%, fork depth median %s\n", a, r, d; exit !(a >= 85 && r >= 30 && d >= 2) }' "$1"
}
covered "$tmp/out" && echo "ok: the latest generator reaches deep states" || { echo "FAIL: the latest generator's reach"; fail=1; }
"$mmfuzz" fidelity --adapter host-linux -n 300 -q --generator 1 --out "$tmp/v1" >"$tmp/out1" 2>&1
covered "$tmp/out1" && { echo "FAIL: generator 1 should not reach these floors"; fail=1; } || echo "ok: generator 1 does not"
# the kernel as the judge of the oracle: a COW that loses the old
# contents, switched on in the oracle, shows as disagreements
"$mmfuzz" fidelity --adapter host-linux --oracle-mutant cow_no_copy -n 300 -q --no-shrink --out "$tmp/judge" >"$tmp/out" 2>&1
check $? 1 "the kernel judges an oracle mutant"
grep -q "disagreement MMFUZZ: host_linux-as-mem_read-value" "$tmp/out" || { echo "FAIL: no value disagreement"; cat "$tmp/out"; fail=1; }
"$mmfuzz" fidelity --adapter host-linux --mutant task_killed_at_30 -n 20 -q --out "$tmp/killed" >"$tmp/out" 2>&1
check $? 1 "a killed task is a disagreement"
grep -q "disagreement MMFUZZ: host_linux-as-.*-sigkill" "$tmp/out" || { echo "FAIL: no sigkill signature"; cat "$tmp/out"; fail=1; }
ls "$tmp"/killed/task_killed_at_30/*/repro.txt >/dev/null 2>&1 || { echo "FAIL: reproducer not saved"; fail=1; }
exit $fail
