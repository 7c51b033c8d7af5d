#!/bin/sh
# Bad input gets a clear message naming the file (and line:col for text)
# and exit status 2; binary garbage decodes by design and replays clean.
# usage: cli_bad_input.sh MMFUZZ TMPDIR
set -u
mmfuzz=$1 tmp=$2
rm -rf "$tmp" && mkdir -p "$tmp"
pass=0 fail=0

# expect STATUS PATTERN -- COMMAND...: runs COMMAND, checks its exit status
# and that stdout+stderr contain PATTERN (a fixed string).
expect() {
	want=$1 pattern=$2
	shift 3
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -eq "$want" ] && { [ -z "$pattern" ] || printf '%s\n' "$out" | grep -qF -- "$pattern"; }; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $* -> exit $got (want $want), output lacks '$pattern':"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

: > "$tmp/empty"
printf 'MMFZ\001\000' > "$tmp/trunc.mmfz"
printf 'MMFZ\002\000\000\000\000\000\000\000' > "$tmp/v2.mmfz"
printf 'mmfuzz 1 profile=tiny\nalloc_pages slot=1\nfrob_pages slot=2\n' > "$tmp/unknown_op.txt"
printf 'mmfuzz 1 profile=tiny\nalloc_pages slot=1 order=1x\n' > "$tmp/bad_number.txt"
printf 'mmfuzz 1 profile=tiny\nalloc_pages slot=1 order=3 gfp=GFP_KERNEL\nfree_pages slot=1\n' > "$tmp/good.txt"
# random bytes, but never a text trace's start ('#' or "mmfuzz" after blanks):
# 1 in ~250 draws began with '#' and was rightly read as bad text
{ printf '\377'; head -c 3999 /dev/urandom; } > "$tmp/garbage.bin"
printf 'mmfuz 1 profile=tiny\ncheck\n' > "$tmp/typo.txt"
printf '\357\273\277mmfuzz 1 profile=tiny\r\ncheck\r\n' > "$tmp/bom_crlf.txt"
printf 'MMFZ\001\007\000\000\000\000\000\000' > "$tmp/bad_profile.mmfz"
# a container of an older format version than any this build reads
printf 'MMFZ\000\000\000\000\000\000\000\000' > "$tmp/v0.mmfz"
# garbage that happens to start like a container is still bad input
printf 'MMFZ' > "$tmp/magic_only"

for cmd in replay show; do
	expect 2 "$tmp/empty: empty input" -- "$mmfuzz" $cmd "$tmp/empty"
	expect 2 "$tmp/trunc.mmfz: truncated header" -- "$mmfuzz" $cmd "$tmp/trunc.mmfz"
	expect 2 "$tmp/magic_only: truncated header" -- "$mmfuzz" $cmd "$tmp/magic_only"
	expect 2 "$tmp/v2.mmfz: format version 2" -- "$mmfuzz" $cmd "$tmp/v2.mmfz"
	expect 2 "$tmp/v0.mmfz: format version 0" -- "$mmfuzz" $cmd "$tmp/v0.mmfz"
	expect 2 "$tmp/unknown_op.txt:3:1: unknown op 'frob_pages'" -- "$mmfuzz" $cmd "$tmp/unknown_op.txt"
	expect 2 "$tmp/bad_number.txt:2:26: bad number '1x'" -- "$mmfuzz" $cmd "$tmp/bad_number.txt"
	expect 2 "$tmp/missing: cannot read" -- "$mmfuzz" $cmd "$tmp/missing"
	expect 2 "$tmp: cannot read" -- "$mmfuzz" $cmd "$tmp"
	expect 2 "$tmp/typo.txt:1:1: expected the header line" -- "$mmfuzz" $cmd "$tmp/typo.txt"
	expect 2 "$tmp/bad_profile.mmfz: unknown machine profile 7" -- "$mmfuzz" $cmd "$tmp/bad_profile.mmfz"
done
expect 0 "ok (2 ops" -- "$mmfuzz" replay "$tmp/good.txt"
expect 0 "ok (1 ops, profile tiny, text)" -- "$mmfuzz" replay "$tmp/bom_crlf.txt"
# text -> binary -> text is the identity on printed text
"$mmfuzz" show "$tmp/good.txt" > "$tmp/good.shown"
expect 0 "" -- "$mmfuzz" show --binary -o "$tmp/good.mmfz" "$tmp/good.txt"
"$mmfuzz" show "$tmp/good.mmfz" > "$tmp/good.reshown"
expect 0 "" -- cmp "$tmp/good.shown" "$tmp/good.reshown"
expect 2 "cannot read" -- "$mmfuzz" show --binary -o "$tmp/x.mmfz" "$tmp/missing"
expect 0 "raw bytes" -- "$mmfuzz" replay "$tmp/garbage.bin"
expect 0 "mmfuzz 1 profile=" -- "$mmfuzz" show "$tmp/garbage.bin"
# a bad file among good ones: every file is still reported, status 2
expect 2 "$tmp/good.txt: ok" -- "$mmfuzz" replay "$tmp/good.txt" "$tmp/empty"

# show's output is itself a valid input that replays the same way
"$mmfuzz" show "$tmp/garbage.bin" > "$tmp/garbage.txt"
expect 0 "ok (" -- "$mmfuzz" replay "$tmp/garbage.txt"

# usage errors
expect 2 "unknown command 'frob'" -- "$mmfuzz" frob
expect 2 "unknown adapter 'nosuch'" -- "$mmfuzz" replay --adapter nosuch "$tmp/good.txt"
expect 2 "has no mutant 'nosuch'" -- "$mmfuzz" fuzz --mutant nosuch --time 1
expect 2 "unknown profile 'huge'" -- "$mmfuzz" fuzz --profile huge --time 1
expect 2 "needs a non-negative number" -- "$mmfuzz" fuzz --time soon
expect 2 "--walk takes full or touched" -- "$mmfuzz" fuzz --walk sometimes --time 1
expect 0 "walks     " -- "$mmfuzz" fuzz --adapter simple --walk full --cost --time 0.5 -q --out "$tmp/f"
expect 0 "time        0." -- "$mmfuzz" fuzz --time 0.5 -q --out "$tmp/f"
expect 2 "no input files" -- "$mmfuzz" replay
for cmd in fuzz replay show adapters; do
	expect 0 "usage: mmfuzz $cmd" -- "$mmfuzz" $cmd --help
done
expect 0 "commands:" -- "$mmfuzz" --help

# an --out that cannot be written is an environment error, and nothing is lost
: > "$tmp/not_a_dir"
expect 3 "cannot save the finding" -- "$mmfuzz" fuzz --mutant expand_wrong_half --time 5 --seed 1 -q --out "$tmp/not_a_dir/x"

echo "cli_bad_input: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
