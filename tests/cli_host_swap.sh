#!/bin/sh
# Swap against this machine's kernel (adapters/linux/swap.c): the host agent
# turns swap files on and off with the real calls and sends pages out with
# MADV_PAGEOUT. Checks: fidelity agrees to the end with swap ops drawn and
# pages swapped; the kernel catches swap mutants switched on in the oracle;
# nothing is left on or on disk afterwards, even after mmfuzz and its agents
# are killed outright (the next agent's probe cleans up).
# SKIP (77) where the agent says it cannot make swap files (not root, a file
# system without swap files, a container), with its reason.
mmfuzz=$1 agents=$2 tmp=$3
rm -rf "$tmp" && mkdir -p "$tmp/swapdir"
export MMFUZZ_AGENT_DIR=$agents
export MMFUZZ_SWAP_DIR="$tmp/swapdir"
if [ ! -x "$agents/mmfuzz-agent-host-linux" ] || [ ! -r /proc/kpagecount ]; then
	echo "SKIP: no host-linux agent in $agents, or /proc/kpagecount not readable (needs root)"
	exit 77
fi
swapfiles=$("$mmfuzz" adapters 2>&1 | grep -A1 '^  host-linux' | sed -n 's/.*swap files: \([^;]*\).*/\1/p')
if [ "$swapfiles" != "yes" ]; then
	echo "SKIP: the host agent makes no swap files here: ${swapfiles:-no answer}"
	exit 77
fi
# A disagreement that does not come back on fresh systems is flaky (the
# kernel's own state: compaction or reclaim moving pages a sequence
# shares): exit 4, listed; one that comes back fails the test.
fail=0
check() { if [ "$1" != "$2" ]; then echo "FAIL: $3 (exit $1, expected $2)"; cat "$tmp/out"; fail=1; else echo "ok: $3"; fi; }
ours() { grep -c "/mmfuzz-swap\.[0-9]*/dev" /proc/swaps; }
left() { ls -d "$tmp"/swapdir/mmfuzz-swap.* 2>/dev/null | wc -l; }

"$mmfuzz" fidelity --adapter host-linux -n 1500 -q --out "$tmp/clean" >"$tmp/out" 2>&1
st=$?
[ $st = 4 ] && { echo "note: flaky only:"; grep -- "-flaky$" "$tmp/out"; st=0; }
check $st 0 "1500 sequences with swap agree"
grep -q "agreeing where it reproduces: 100.00%" "$tmp/out" || { echo "FAIL: agreement line"; fail=1; }
# swap really happened and was compared: swapon answered by the kernel,
# pages sent out in the oracle's machine
awk '/^    swapon / { s = $3 } /^    swapoff / { o = $3 } /pages swapped out/ { for (i = 1; i < NF; i++) if ($(i+1) == "pages") p = $i }
     END { printf "swapon answered %d, swapoff %d, pages swapped out %d\n", s, o, p; exit !(s >= 50 && o >= 20 && p >= 20) }' "$tmp/out" \
	&& echo "ok: swap ops answered and pages swapped" || { echo "FAIL: too little swap compared"; cat "$tmp/out"; fail=1; }
[ "$(ours)" = 0 ] && echo "ok: no device left on" || { echo "FAIL: devices left on"; cat /proc/swaps; fail=1; }

# the kernel as the judge: contents read from the wrong slot, and a swap
# count an unmap forgets (swapoff then fails in the oracle)
"$mmfuzz" fidelity --adapter host-linux --oracle-mutant swapin_reads_neighbour -n 1500 -q --no-shrink \
	--out "$tmp/judge1" >"$tmp/out" 2>&1
check $? 1 "the kernel judges swapin_reads_neighbour"
grep -q "disagreement MMFUZZ: host_linux-as-mem_read-value" "$tmp/out" || { echo "FAIL: no value disagreement"; cat "$tmp/out"; fail=1; }
"$mmfuzz" fidelity --adapter host-linux --oracle-mutant zap_keeps_swap_count -n 1500 -q --no-shrink \
	--out "$tmp/judge2" >"$tmp/out" 2>&1
check $? 1 "the kernel judges zap_keeps_swap_count"
grep -q "disagreement MMFUZZ: host_linux-as-swapoff-result" "$tmp/out" || { echo "FAIL: no swapoff disagreement"; cat "$tmp/out"; fail=1; }

# killed outright in the middle: what it left, the next agent removes
"$mmfuzz" fidelity --adapter host-linux -n 100000 -q --out "$tmp/killed" >/dev/null 2>&1 &
pid=$!
sleep 3
kids=$(pgrep -P $pid)
kill -9 $kids $pid 2>/dev/null # the agents' fork servers first: no clean exit
wait $pid 2>/dev/null
for i in $(seq 50); do alive=0; for k in $kids; do kill -0 $k 2>/dev/null && alive=1; done; [ $alive = 0 ] && break; sleep 0.1; done
# and a device on whose agent is gone, as a kill at the wrong moment leaves
dead=$(sh -c 'echo $$')
mkdir "$tmp/swapdir/mmfuzz-swap.$dead"
if dd if=/dev/zero of="$tmp/swapdir/mmfuzz-swap.$dead/dev0" bs=4096 count=16 2>/dev/null &&
   chmod 600 "$tmp/swapdir/mmfuzz-swap.$dead/dev0" && mkswap "$tmp/swapdir/mmfuzz-swap.$dead/dev0" >/dev/null &&
   swapon "$tmp/swapdir/mmfuzz-swap.$dead/dev0"; then :; else echo "FAIL: cannot make a stale device"; fail=1; fi
echo "after the kill: $(ours) devices on, $(left) directories"
[ "$(ours)" -ge 1 ] && [ "$(left)" -ge 1 ] || { echo "FAIL: nothing stale to clean"; fail=1; }
"$mmfuzz" adapters >/dev/null 2>&1
[ "$(ours)" = 0 ] && [ "$(left)" = 0 ] && echo "ok: the next agent cleaned up" \
	|| { echo "FAIL: left behind"; cat /proc/swaps; ls -la "$tmp/swapdir"; fail=1; }
exit $fail
