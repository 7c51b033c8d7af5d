#!/bin/bash
# Campaign throughput, the rows of issue 19's table: sequences a second of
# `mmfuzz fuzz` (the default campaign, --adapter simple, --adapter
# reference, --adapter glibc) and execs a second of the libFuzzer page
# target (without sanitizers, <= 64-op inputs: -max_len=520, a header and
# 64 records, from the seed corpus; and with
# the custom mutator), each run R times for S seconds at seed 1, medians
# printed beside the figures the issue measured (2-core machine, before
# any of its work) and their ratio.
# Needs build/default (bash ci/build default) and build/fuzz-nosan
# (bash ci/build fuzz-nosan) for the libFuzzer rows; a missing row says so.
# The default campaign includes this machine's kernel (host-linux) for
# address spaces when mmfuzz runs as root; the issue's figure did not (it
# was simple vs the oracle): as root the script also runs the default
# campaign as user nobody, the issue's row.
# -B DIR: also run the mmfuzz rows with DIR/mmfuzz (a build of an older
# commit, e.g. a git worktree built with ci/build default), interleaved
# with this build's runs, and print its medians and the ratio to them:
# the same machine in the same minutes, which this machine's swings (up to
# a third between identical runs) make the fairer comparison. The code
# issue 19 measured is 12c9672 (its default campaign is simple vs the
# oracle, also as root); the "issue" column is what it measured on its
# machine, where the same code ran the glibc agent at a quarter of the
# rate it reaches here (a fork per sequence, cheaper here).
# usage: bench/campaign.sh [-r RUNS] [-s SECONDS] [-B BASE_BUILD_DIR]
set -u
cd "$(dirname "$0")/.."
runs=3 secs=10 base=
while getopts r:s:B: o; do
	case $o in r) runs=$OPTARG ;; s) secs=$OPTARG ;; B) base=$OPTARG ;; *) exit 2 ;; esac
done
[ -z "$base" ] || [ -x "$base/mmfuzz" ] || { echo "no $base/mmfuzz"; exit 2; }
mmfuzz=$PWD/build/default/mmfuzz
[ -x $mmfuzz ] || { echo "no $mmfuzz: bash ci/build default"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2fx" : "-"), a / b }'; }
row() { # NAME BEFORE BASE_MEDIAN VALUES...
	name=$1 before=$2 bmed=$3
	shift 3
	med=$(printf '%s\n' "$@" | median)
	if [ -n "$base" ]; then
		printf "%-44s %8s %8s %8s %7s %7s\n" "$name" "$before" "$bmed" "$med" "$(ratio "$med" "$before")" "$(ratio "$med" "$bmed")"
	else
		printf "%-44s %8s %8s %7s\n" "$name" "$before" "$med" "$(ratio "$med" "$before")"
	fi
}
if [ -n "$base" ]; then
	printf "%-44s %8s %8s %8s %7s %7s\n" "row (median of $runs x ${secs} s)" "issue" "base" "now" "/issue" "/base"
else
	printf "%-44s %8s %8s %7s\n" "row (median of $runs x ${secs} s)" "issue" "now" "ratio"
fi
# The issue's default row was simple vs the oracle: mmfuzz without root
# (the default campaign adds host-linux only as root); as root both rows.
as_user=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	chmod o+rx "$work"
fi
# glibc runs in whole-sequence mode (its agent runs each sequence itself); the
# row after it drives the same agent op by op, as the base code does.
for adapter in default default-user simple reference glibc glibc-op-by-op; do
	opt=() pre=() bopt=()
	case $adapter in
	default) ;;
	default-user)
		[ ${#as_user[@]} -gt 0 ] || [ "$(id -u)" != 0 ] || { echo "default without root: no setpriv"; continue; }
		pre=("${as_user[@]}") ;;
	glibc-op-by-op) opt=(--adapter glibc --op-by-op) bopt=(--adapter glibc) ;;
	*) opt=(--adapter $adapter) ;;
	esac
	[ ${#bopt[@]} -gt 0 ] || bopt=("${opt[@]}")
	vals=() bvals=()
	for i in $(seq "$runs"); do
		for bin in ${base:+"$base/mmfuzz"} "$mmfuzz"; do
			rm -rf "$work/out"
			if [ "$bin" = "$mmfuzz" ]; then o=("${opt[@]}"); else o=("${bopt[@]}"); fi
			"${pre[@]}" "$bin" fuzz "${o[@]}" --time "$secs" --seed 1 -q --out "$work/out" >"$work/log" 2>&1
			v=$(awk '$1 == "sequences" { gsub(/[(]/, "", $3); print $3 + 0 }' "$work/log")
			if [ "$bin" = "$mmfuzz" ]; then vals+=("${v:-0}"); else bvals+=("${v:-0}"); fi
		done
	done
	bmed=$(printf '%s\n' "${bvals[@]}" | median)
	case $adapter in default*) b=3491 ;; simple) b=3491 ;; reference) b=2026 ;; glibc*) b=156 ;; esac
	name="mmfuzz fuzz ${opt[*]:-(default$([ $adapter = default-user ] && echo ", no root" || { [ "$(id -u)" = 0 ] && echo ", root: + host-linux"; }))} seq/s"
	row "$name" $b "$bmed" "${vals[@]}"
done
lf=build/fuzz-nosan/fuzz
# libFuzzer writes every input that adds coverage into the corpus
# directory, a few hundred a second at the start. On an ext4 /tmp that has
# just deleted the last run's thousands of files, creating one cost about
# 1 ms (a fifth of the run, in the kernel's inode allocator); the figure
# is meant to be the target's and the engine's, so the scratch corpus goes
# to tmpfs (/dev/shm) where there is one. The row says where it was.
corpus_dir=$work/c where=
if [ -d /dev/shm ] && [ -w /dev/shm ] && shm=$(mktemp -d /dev/shm/mmfuzz-bench.XXXXXX 2>/dev/null); then
	trap 'rm -rf "$work" "$shm"' EXIT
	corpus_dir=$shm/c where=", tmpfs corpus"
fi
for target in fuzz_page_libfuzzer fuzz_page_libfuzzer_cm; do
	if [ ! -x $lf/$target ]; then
		echo "$target: not built (bash ci/build fuzz-nosan)"
		continue
	fi
	vals=()
	for i in $(seq "$runs"); do
		rm -rf "$corpus_dir" && mkdir "$corpus_dir" && cp corpus/page/* "$corpus_dir/"
		$lf/$target -max_total_time="$secs" -max_len=520 -print_final_stats=1 "$corpus_dir" >"$work/log" 2>&1
		v=$(awk '/stat::average_exec_per_sec/ { print $NF + 0 }' "$work/log")
		vals+=("${v:-0}")
	done
	case $target in fuzz_page_libfuzzer) b=1900 ;; *) b=950 ;; esac
	row "$target execs/s$where" $b - "${vals[@]}"
done
