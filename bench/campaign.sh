#!/bin/bash
# Campaign throughput, the rows of issue 19's table: sequences a second of
# `mmfuzz fuzz` (the default campaign, --adapter simple, --adapter
# reference, --adapter glibc) and execs a second of the libFuzzer page
# target (without sanitizers, <= 64-op inputs from the seed corpus; and with
# the custom mutator), each run R times for S seconds at seed 1, medians
# printed beside the figures the issue measured (2-core machine, before
# any of its work) and their ratio.
# Needs build/default (bash ci/build default) and build/fuzz-nosan
# (bash ci/build fuzz-nosan) for the libFuzzer rows; a missing row says so.
# The default campaign includes this machine's kernel (host-linux) for
# address spaces when mmfuzz runs as root; the issue's figure did not.
# usage: bench/campaign.sh [-r RUNS] [-s SECONDS]
set -u
cd "$(dirname "$0")/.."
runs=3 secs=10
while getopts r:s: o; do
	case $o in r) runs=$OPTARG ;; s) secs=$OPTARG ;; *) exit 2 ;; esac
done
mmfuzz=build/default/mmfuzz
[ -x $mmfuzz ] || { echo "no $mmfuzz: bash ci/build default"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }
row() { # NAME BEFORE VALUES...
	name=$1 before=$2
	shift 2
	med=$(printf '%s\n' "$@" | median)
	printf "%-34s %10s %10s %7s\n" "$name" "$before" "$med" "$(awk -v a="$med" -v b="$before" 'BEGIN { printf "%.2fx", a / b }')"
}
printf "%-34s %10s %10s %7s\n" "row (median of $runs x ${secs} s)" "issue" "now" "ratio"
for adapter in default simple reference glibc; do
	opt=()
	[ $adapter = default ] || opt=(--adapter $adapter)
	vals=()
	for i in $(seq "$runs"); do
		$mmfuzz fuzz "${opt[@]}" --time "$secs" --seed 1 -q --out "$work/out" >"$work/log" 2>&1
		v=$(awk '$1 == "sequences" { gsub(/[(]/, "", $3); print $3 + 0 }' "$work/log")
		vals+=("${v:-0}")
	done
	case $adapter in default) b=3491 ;; simple) b=3491 ;; reference) b=2026 ;; glibc) b=156 ;; esac
	row "mmfuzz fuzz ${opt[*]:-(default)} seq/s" $b "${vals[@]}"
done
lf=build/fuzz-nosan/fuzz
for target in fuzz_page_libfuzzer fuzz_page_libfuzzer_cm; do
	if [ ! -x $lf/$target ]; then
		echo "$target: not built (bash ci/build fuzz-nosan)"
		continue
	fi
	vals=()
	for i in $(seq "$runs"); do
		rm -rf "$work/c" && mkdir "$work/c" && cp corpus/page/* "$work/c/"
		$lf/$target -max_total_time="$secs" -max_len=1024 -print_final_stats=1 "$work/c" >"$work/log" 2>&1
		v=$(awk '/stat::average_exec_per_sec/ { print $NF + 0 }' "$work/log")
		vals+=("${v:-0}")
	done
	case $target in fuzz_page_libfuzzer) b=1900 ;; *) b=950 ;; esac
	row "$target execs/s" $b "${vals[@]}"
done
