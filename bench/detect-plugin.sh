#!/bin/bash
# Detection for a plugin's planted bugs (bench/detect's figures for an
# adapter of your own): for each mutant, profile and seed, a campaign of
# `mmfuzz fuzz --adapter PLUGIN --mutant M --seed S` runs until its first
# finding or the time limit. A seed counts as caught when the campaign ends
# with a finding of the plugin itself (signature MMFUZZ: NAME-...).
# Prints per mutant and profile the seeds caught and the median seconds to
# the finding (a miss counts as the limit), then a summary line.
# Needs build/default (bash ci/build default).
# usage: bench/detect-plugin.sh [-k SEEDS] [-t SECONDS] [-p PROFILE,...] PLUGIN [MUTANT...]
# -p: the profiles, each run on its own (default: "all", the campaign's
# own draw over the profiles the plugin runs on).
set -u
cd "$(dirname "$0")/.."
k=5 t=60 profiles=all
while getopts k:t:p: o; do
	case $o in k) k=$OPTARG ;; t) t=$OPTARG ;; p) profiles=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: bench/detect-plugin.sh [-k SEEDS] [-t SECONDS] [-p PROFILE,...] PLUGIN [MUTANT...]"; exit 2; }
plugin=$1
shift
mmfuzz=build/default/mmfuzz
[ -x $mmfuzz ] || { echo "no $mmfuzz: bash ci/build default"; exit 2; }
name=$($mmfuzz adapters "$plugin" | awk -F: 'NR == 1 { print $1 }')
[ -n "$name" ] || { echo "cannot load $plugin"; exit 2; }
mutants=${*:-$($mmfuzz adapters --mutants "$plugin" | awk '{ print $2 }')}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
total=0 caught=0 worst=0
printf "%-24s %-8s %7s %9s\n" mutant profile caught median_s
for m in $mutants; do
	for p in ${profiles//,/ }; do
		popt=()
		[ "$p" = all ] || popt=(--profile "$p")
		n=0
		: >"$work/times"
		for s in $(seq 1 "$k"); do
			rm -rf "$work/out"
			$mmfuzz fuzz --adapter "$plugin" --mutant "$m" --seed "$s" --time "$t" --no-shrink -q "${popt[@]}" \
				--out "$work/out" >"$work/log" 2>&1
			st=$?
			secs=$(awk '$1 == "time" { print $2 }' "$work/log")
			if [ $st = 1 ] && grep -q "^MMFUZZ: $name-" "$work/log"; then
				n=$((n + 1))
				echo "${secs:-$t}" >>"$work/times"
			else
				echo "$t" >>"$work/times"
			fi
		done
		med=$(median <"$work/times")
		printf "%-24s %-8s %5s/%s %9s\n" "$m" "$p" "$n" "$k" "$med"
		total=$((total + k)) caught=$((caught + n))
		worst=$(printf '%s\n%s\n' "$worst" "$(sort -g "$work/times" | tail -1)" | sort -g | tail -1)
	done
done
echo "detect-plugin: $name caught $caught of $total (mutant, profile, seed) runs within ${t} s; slowest catch ${worst} s"
[ "$caught" = "$total" ]
