#!/bin/bash
# Detection with AFL++: for each mutant and seed, the AFL++ page target
# (fuzz_page_afl, AFL++'s own byte-level mutations and the dictionary) and
# the same target with the structure-aware mutator loaded as AFL++'s custom
# mutator (fuzz_page_mutator.so) start from the committed seed corpus and
# run until the first crash on the mutant (AFL_BENCH_UNTIL_CRASH) or the
# time runs out. Seeds that already fail on the mutant are left out, as in
# bench/detect-libfuzzer.sh; when every seed fails, both start from one
# empty input. A crash counts only when it replays to an MMFUZZ signature
# with the mutant.
# Prints per mutant the seeds caught and the median seconds to catch (a
# miss counts as the time limit), then the medians and their ratio.
# Needs the afl preset (bash ci/build afl) and build/default (the custom
# mutator library and mmfuzz replay).
# usage: bench/detect-afl.sh [-k SEEDS] [-t SECONDS] [-g GENERATOR] [MUTANT...]
# -g N: the custom mutator's fresh ops as generator version N drew them
# (MMFUZZ_GENERATOR), to compare generators; default the latest.
set -u
cd "$(dirname "$0")/.."
k=5 t=60
while getopts k:t:g: o; do
	case $o in k) k=$OPTARG ;; t) t=$OPTARG ;; g) export MMFUZZ_GENERATOR=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
target=build/afl/fuzz/fuzz_page_afl lib=$PWD/build/default/fuzz/fuzz_page_mutator.so mmfuzz=build/default/mmfuzz
[ -x $target ] || { echo "no $target: bash ci/build afl"; exit 2; }
[ -x $mmfuzz ] && [ -f "$lib" ] || { echo "no build/default/mmfuzz or $lib: bash ci/build default"; exit 2; }
command -v afl-fuzz >/dev/null || { echo "no afl-fuzz: apt-get install afl++"; exit 2; }
mutants=${*:-$($mmfuzz adapters --mutants | awk '$1 == "reference" { print $2 }')}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }
printf '%-28s %5s %12s %10s %12s %10s\n' mutant seeds bytes_caught median_s custom_caught median_s
: >"$work/plain" && : >"$work/cm"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_BENCH_UNTIL_CRASH=1
for m in $mutants; do
	line=$(printf '%-28s' "$m")
	rm -rf "$work/seeds" && mkdir "$work/seeds"
	for f in corpus/page/*; do
		$mmfuzz replay --mutant "$m" "$f" >/dev/null 2>&1 || continue
		cp "$f" "$work/seeds/"
	done
	line="$line $(printf '%5d' "$(ls "$work/seeds" | wc -l)")"
	[ -n "$(ls "$work/seeds")" ] || printf '\0' >"$work/seeds/empty"
	for mode in plain cm; do
		caught=0
		: >"$work/times"
		for s in $(seq 1 "$k"); do
			rm -rf "$work/o"
			t0=$(date +%s.%N)
			if [ $mode = cm ]; then
				MMFUZZ_MUTANT=$m AFL_CUSTOM_MUTATOR_LIBRARY=$lib timeout $((t + 60)) afl-fuzz -s "$s" -V "$t" \
					-i "$work/seeds" -o "$work/o" -- $target >"$work/log" 2>&1
			else
				MMFUZZ_MUTANT=$m timeout $((t + 60)) afl-fuzz -s "$s" -V "$t" -x fuzz/page.dict \
					-i "$work/seeds" -o "$work/o" -- $target >"$work/log" 2>&1
			fi
			t1=$(date +%s.%N)
			crash=$(ls "$work"/o/default/crashes/id:* 2>/dev/null | head -n 1)
			if [ -n "$crash" ] && $mmfuzz replay --mutant "$m" "$crash" 2>/dev/null | grep -q ': MMFUZZ: '; then
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
printf 'bench: detect-afl median of per-mutant median seconds  bytes %.2f  custom %.2f\n' "$p" "$c"
printf 'bench: detect-afl time-to-catch ratio bytes/custom       %.2fx\n' "$(echo "$p / $c" | bc -l)"
