#!/bin/sh
# hugetlb against this machine's kernel (adapters/linux/hugetlb.c): as root
# the host agent sizes the machine's 2 MiB pool for the hugetlb_pool op and
# maps from it for mmap_huge. Checks: fidelity agrees to the end with those
# ops drawn and answered (pool counters after every one, reservations,
# faults, COW with and without a page to copy into); the kernel catches
# hugetlb mutants switched on in the oracle; the pool is empty afterwards,
# even after mmfuzz and its agents are killed outright (the next agent's
# probe empties it).
# SKIP (77) where the agent says it cannot use the pool (not root, the
# machine's own pool set, no 2 MiB page to be had), with its reason.
mmfuzz=$1 agents=$2 tmp=$3
rm -rf "$tmp" && mkdir -p "$tmp"
export MMFUZZ_AGENT_DIR=$agents
if [ ! -x "$agents/mmfuzz-agent-host-linux" ] || [ ! -r /proc/kpagecount ]; then
	echo "SKIP: no host-linux agent in $agents, or /proc/kpagecount not readable (needs root)"
	exit 77
fi
pool=$("$mmfuzz" adapters 2>&1 | grep -A1 '^  host-linux' | sed -n 's/.*hugetlb pool: \([^;]*\).*/\1/p')
if [ "$pool" != "yes" ]; then
	echo "SKIP: the host agent may not use the hugetlb pool here: ${pool:-no answer}"
	exit 77
fi
# A disagreement that does not come back on fresh systems is flaky (the
# kernel's own state: compaction or reclaim moving pages a sequence
# shares): exit 4, listed; one that comes back fails the test.
fail=0
check() { if [ "$1" != "$2" ]; then echo "FAIL: $3 (exit $1, expected $2)"; cat "$tmp/out"; fail=1; else echo "ok: $3"; fi; }
total() { awk '/^HugePages_Total:/ { print $2 }' /proc/meminfo; }

"$mmfuzz" fidelity --adapter host-linux -n 1500 --seed 3 -q --out "$tmp/clean" >"$tmp/out" 2>&1
st=$?
[ $st = 4 ] && { echo "note: flaky only:"; grep -- "-flaky$" "$tmp/out"; st=0; }
check $st 0 "1500 sequences with hugetlb agree"
grep -q "agreeing where it reproduces: 100.00%" "$tmp/out" || { echo "FAIL: agreement line"; fail=1; }
# the pool and its mappings really were compared
awk '/^    hugetlb_pool / { p = $3 } /^    mmap_huge / { m = $3 }
     END { printf "hugetlb_pool answered %d, mmap_huge %d\n", p, m; exit !(p >= 200 && m >= 150) }' "$tmp/out" \
	&& echo "ok: hugetlb ops answered" || { echo "FAIL: too little hugetlb compared"; cat "$tmp/out"; fail=1; }
[ "$(total)" = 0 ] && echo "ok: the pool is empty after" || { echo "FAIL: pool left"; grep Huge /proc/meminfo; fail=1; }

# the kernel as the judge: an owner's COW that gives up instead of taking
# its page back, and a COW copy with a wrong subpage
"$mmfuzz" fidelity --adapter host-linux --oracle-mutant hugetlb_unmap_ref_private_skipped -n 1500 -q --no-shrink \
	--out "$tmp/judge1" >"$tmp/out" 2>&1
check $? 1 "the kernel judges hugetlb_unmap_ref_private_skipped"
grep -q "disagreement MMFUZZ: host_linux-as-mem_write-fault" "$tmp/out" || { echo "FAIL: no fault disagreement"; cat "$tmp/out"; fail=1; }
"$mmfuzz" fidelity --adapter host-linux --oracle-mutant hugetlb_cow_wrong_subpage -n 1500 -q --no-shrink \
	--out "$tmp/judge2" >"$tmp/out" 2>&1
check $? 1 "the kernel judges hugetlb_cow_wrong_subpage"
grep -q "disagreement MMFUZZ: host_linux-as-mem_read-value" "$tmp/out" || { echo "FAIL: no value disagreement"; cat "$tmp/out"; fail=1; }

# killed outright in the middle: the pool it left, the next agent empties
"$mmfuzz" fidelity --adapter host-linux -n 100000 -q --out "$tmp/killed" >/dev/null 2>&1 &
pid=$!
sleep 3
kids=$(pgrep -P $pid)
kill -9 $kids $pid 2>/dev/null
wait $pid 2>/dev/null
for i in $(seq 50); do alive=0; for k in $kids; do kill -0 $k 2>/dev/null && alive=1; done; [ $alive = 0 ] && break; sleep 0.1; done
# and a pool set by an agent that is gone, as a kill at the wrong moment leaves
dead=$(sh -c 'echo $$')
echo "$dead" >/run/mmfuzz-hugetlb.owner 2>/dev/null
echo 2 >/proc/sys/vm/nr_hugepages
echo "after the kill: HugePages_Total $(total)"
[ "$(total)" -ge 1 ] || { echo "FAIL: nothing stale to clean"; fail=1; }
"$mmfuzz" adapters >/dev/null 2>&1
[ "$(total)" = 0 ] && [ "$(cat /proc/sys/vm/nr_hugepages)" = 0 ] && echo "ok: the next agent emptied the pool" \
	|| { echo "FAIL: pool left"; grep Huge /proc/meminfo; fail=1; }
exit $fail
