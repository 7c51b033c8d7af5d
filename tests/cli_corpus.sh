#!/bin/sh
# corpus merge and prune: merging keeps only inputs that add coverage (a
# second merge of the same inputs adds none), pruning keeps a subset with
# the same coverage (merging the pruned folder into an empty one reaches
# as many features as merging the whole), files that do not load are left
# alone with exit 2, and generate is byte-for-byte deterministic.
# The committed seed corpus is what its documented command makes today.
# usage: cli_corpus.sh MMFUZZ TMPDIR [SOURCE_DIR]
set -u
mmfuzz=$1 tmp=$2 src=${3:-}
rm -rf "$tmp" && mkdir -p "$tmp"
pass=0 fail=0
check() {
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi
}
feats() { sed -n 's/.*; \([0-9]*\) new features$/\1/p'; }
"$mmfuzz" corpus generate -o "$tmp/a" -n 120 --seed 9 >/dev/null || check bad "generate failed"
"$mmfuzz" corpus generate -o "$tmp/a2" -n 120 --seed 9 >/dev/null
diff -r "$tmp/a" "$tmp/a2" >/dev/null && check ok || check bad "generate is not deterministic"
out=$("$mmfuzz" corpus merge "$tmp/m" "$tmp/a")
all=$(printf '%s\n' "$out" | feats)
added=$(printf '%s\n' "$out" | sed -n 's/.*inputs read, \([0-9]*\) added.*/\1/p')
[ "$added" -gt 0 ] && [ "$added" -lt 120 ] && check ok || check bad "merge: $out"
[ "$(ls "$tmp/m" | wc -l)" -eq "$added" ] && check ok || check bad "merge wrote $(ls "$tmp/m" | wc -l) files, said $added"
out=$("$mmfuzz" corpus merge "$tmp/m" "$tmp/a")
printf '%s\n' "$out" | grep -q " 0 added" && check ok || check bad "second merge: $out"
cp -r "$tmp/a" "$tmp/p"
out=$("$mmfuzz" corpus prune "$tmp/p")
kept=$(ls "$tmp/p" | wc -l)
[ "$kept" -lt 120 ] && check ok || check bad "prune kept everything: $out"
[ "$(printf '%s\n' "$out" | feats)" = "$all" ] && check ok || check bad "prune's features differ from merge's ($all): $out"
out=$("$mmfuzz" corpus merge "$tmp/m2" "$tmp/p")
[ "$(printf '%s\n' "$out" | feats)" = "$all" ] && check ok || check bad "the pruned corpus covers less: $out"
mkdir -p "$tmp/bad"
printf 'MMFZ\002xxxxxxxxxxxx' >"$tmp/bad/v2.mmfz"
"$mmfuzz" corpus prune "$tmp/bad" >/dev/null 2>&1
[ $? -eq 2 ] && [ -f "$tmp/bad/v2.mmfz" ] && check ok || check bad "a file of another format version was not left alone"
if [ -n "$src" ]; then
	# the seed corpus is generator 8's; generators 7's, 6's, 5's, 4's, 3's and
	# 1's, kept beside it, still come out byte for byte (a version's sequences never change)
	for v in 8:page 7:page-gen7 6:page-gen6 5:page-gen5 4:page-gen4 3:page-gen3 1:page-gen1; do
		gen=${v%%:*} dir=${v#*:}
		"$mmfuzz" corpus generate -o "$tmp/$dir" -n 32 --seed 1 --generator "$gen" >/dev/null
		diff -r "$tmp/$dir" "$src/corpus/$dir" >/dev/null && check ok ||
			check bad "corpus/$dir differs from 'mmfuzz corpus generate -o corpus/$dir -n 32 --seed 1 --generator $gen': regenerate and commit it"
	done
fi
echo "cli_corpus: $pass passed, $fail failed"
[ $fail -eq 0 ]
