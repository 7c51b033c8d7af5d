#!/bin/bash
# Detection with libFuzzer: for each mutant and seed, the page target
# (fuzz_page_libfuzzer, byte-level mutation) and the same target with the
# structure-aware mutator (fuzz_page_libfuzzer_cm) start from the committed
# seed corpus and run until they crash on the mutant or the time runs out.
# Seeds that already fail on the mutant are left out (a seed that catches
# the bug says nothing about either mutator); when every seed fails, both
# start from an empty corpus.
# Prints per mutant the seeds caught and the median seconds to catch (a
# miss counts as the time limit), then the ratio of the two medians.
# Needs the fuzz preset (bash ci/build fuzz), or with -b build/fuzz-nosan
# the same targets without sanitizers (bash ci/build fuzz-nosan), which run
# about twice as many inputs a second.
# usage: bench/detect-libfuzzer.sh [-k SEEDS] [-t SECONDS] [-b BUILD_DIR] [-g GENERATOR] [MUTANT...]
# -g N: the custom mutator's fresh ops as generator version N drew them
# (MMFUZZ_GENERATOR), to compare generators; default the latest.
set -u
cd "$(dirname "$0")/.."
k=5 t=60 build=build/fuzz
while getopts k:t:b:g: o; do
	case $o in k) k=$OPTARG ;; t) t=$OPTARG ;; b) build=$OPTARG ;; g) export MMFUZZ_GENERATOR=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
bin=$build/fuzz
[ -x $bin/fuzz_page_libfuzzer ] && [ -x $bin/fuzz_page_libfuzzer_cm ] || { echo "no libFuzzer targets in $build: bash ci/build fuzz (or fuzz-nosan)"; exit 2; }
[ -x build/default/mmfuzz ] || { echo "no build/default/mmfuzz (to sort out seeds that already fail): bash ci/build default"; exit 2; }
mutants=${*:-$(build/default/mmfuzz adapters --mutants | awk '$1 == "reference" { print $2 }')}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }
printf '%-28s %5s %12s %10s %12s %10s\n' mutant seeds bytes_caught median_s custom_caught median_s
: >"$work/plain" && : >"$work/cm"
for m in $mutants; do
	line=$(printf '%-28s' "$m")
	rm -rf "$work/seeds" && mkdir "$work/seeds"
	for f in corpus/page/*; do
		build/default/mmfuzz replay --mutant "$m" "$f" >/dev/null 2>&1 || continue
		cp "$f" "$work/seeds/"
	done
	line="$line $(printf '%5d' "$(ls "$work/seeds" | wc -l)")"
	for mode in plain cm; do
		b=$bin/fuzz_page_libfuzzer
		[ $mode = cm ] && b=$bin/fuzz_page_libfuzzer_cm
		caught=0
		: >"$work/times"
		for s in $(seq 1 "$k"); do
			rm -rf "$work/c" "$work/a" && mkdir -p "$work/c" "$work/a" && cp "$work/seeds/"* "$work/c/" 2>/dev/null
			t0=$(date +%s.%N)
			MMFUZZ_MUTANT=$m timeout $((t * 2 + 30)) $b -seed="$s" -max_total_time="$t" -dict=fuzz/page.dict \
				-artifact_prefix="$work/a/" "$work/c" >"$work/log" 2>&1
			t1=$(date +%s.%N)
			if grep -q '^MMFUZZ: ' "$work/log"; then
				caught=$((caught + 1))
				echo "$t1 - $t0" | bc >>"$work/times"
			else
				echo "$t" >>"$work/times"
			fi
		done
		med=$(median <"$work/times")
		echo "$med" >>"$work/$mode"
		line="$line $(printf '%9d/%-2d %10.2f' $caught "$k" "$med")"
	done
	echo "$line"
done
p=$(median <"$work/plain") c=$(median <"$work/cm")
printf 'bench: detect-libfuzzer median of per-mutant median seconds  bytes %.2f  custom %.2f\n' "$p" "$c"
printf 'bench: detect-libfuzzer time-to-catch ratio bytes/custom       %.2fx\n' "$(echo "$p / $c" | bc -l)"
