#!/bin/sh
# Adapters from outside mmfuzz: plugins (.so) and agent programs.
# - A plugin with a wrong ABI version, without the entry symbol, or with a
#   capability its table does not back is refused with a message, exit 2.
# - A plugin that segfaults on its 100th call, one that hangs there and one
#   that runs away with memory each become a finding with the signature
#   the isolation gives (sigsegv, timeout, rlimit), and the campaign goes
#   on after it (--keep-going: more sequences run than the first finding's
#   index); the saved reproducer replays to the same signature.
# - The same plugin without a mutant runs clean.
# - The real-allocator agents run a short campaign clean (SKIP where an
#   agent was not built).
# - The template allocator (adapters/template/myalloc.c) runs clean, and
#   each of its four planted bugs is caught by the right check; its fuzz
#   target replays the seed corpus clean and aborts on the misalignment.
# - The page template (mypages.c) likewise, and needs MMF_CAP_PAGE_FLAT on a
#   zoned profile; the generator draws only ops a plugin can run; counters
#   and free_kind are checked; a non-reproducible crash is reported as
#   flaky; --time holds with a hanging plugin.
# - Workers are reused (reset by the plugin) unless --worker-reuse 1, and a
#   crash in the plugin's reset is the sequence's finding, replayed alike;
#   a crash in a deferred call keeps its op and step (ring vs pipes).
# usage: cli_plugins.sh MMFUZZ PLUGIN_DIR AGENT_DIR BUILD_DIR SOURCE_DIR TMPDIR [AGENTS_RUN_SEQUENCES]
set -u
mmfuzz=$1 plugins=$2 agents=$3 builddir=$4 srcdir=$5 tmp=$6 agents_run=${7:-1}
rm -rf "$tmp" && mkdir -p "$tmp"
pass=0 fail=0 skip=0
check() {
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi
}

for bad in abi nosym caps; do
	"$mmfuzz" fuzz --adapter "$plugins/faulty_bad_$bad.so" --time 1 -q >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && check ok || check bad "faulty_bad_$bad.so: exit $rc, want 2"
	case $bad in
	abi) want="ABI version" ;; nosym) want="does not export mmf_adapter_entry" ;; caps) want="declares the capability" ;;
	esac
	grep -q "$want" "$tmp/err" && check ok || check bad "faulty_bad_$bad.so: no '$want' in: $(cat "$tmp/err")"
done
"$mmfuzz" fuzz --adapter "$tmp/none.so" --time 1 -q >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && check ok || check bad "missing plugin: exit $rc, want 2"
"$mmfuzz" fuzz --adapter faulty --time 1 -q >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && check ok || check bad "unknown adapter name: exit $rc, want 2"

for case in "segv_at_100 sigsegv" "hang_at_100 timeout" "runaway_at_100 rlimit"; do
	set -- $case
	m=$1 tag=$2
	# (hangs and runaways shrink slowly, each candidate costing the limit:
	# saved as found; the crash is shrunk, and
	# shrinking takes at most half of the time left, so 12 s leave room)
	shrink= time=4
	[ $m = segv_at_100 ] && time=12 || shrink=--no-shrink
	"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --mutant $m --keep-going --seed 1 --time $time --op-timeout 300 \
		--mem-limit 256 $shrink --out "$tmp/f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] && check ok || check bad "$m: exit $rc, want 1 (finding)"
	sig=$(grep -m1 "^MMFUZZ: faulty-obj-.*-$tag\$" "$tmp/out")
	[ -n "$sig" ] && check ok || check bad "$m: no '-$tag' signature in: $(head -5 "$tmp/out")"
	first=$(sed -n 's/.*first in sequence #\([0-9]*\).*/\1/p' "$tmp/out" | head -n 1)
	seqs=$(sed -n 's/^  sequences *\([0-9]*\).*/\1/p' "$tmp/out")
	[ -n "$first" ] && [ -n "$seqs" ] && [ "$seqs" -gt $((first + 1)) ] && check ok ||
		check bad "$m: the campaign did not go on after the finding (first #$first, $seqs sequences)"
	dir=$tmp/f/$m/${sig#MMFUZZ: }/repro.mmfz
	if [ -f "$dir" ]; then
		"$mmfuzz" replay --adapter "$plugins/faulty.so" --mutant $m --op-timeout 300 --mem-limit 256 "$dir" \
			>"$tmp/replay" 2>&1
		grep -q "$sig" "$tmp/replay" && check ok || check bad "$m: the reproducer does not replay: $(cat "$tmp/replay")"
	else
		check bad "$m: no saved reproducer"
	fi
done
# each C/POSIX rule the executor holds malloc-style adapters to, broken
for case in "calloc_no_overflow_check calloc-overflow" "memalign_touches_out posix_memalign-out_touched" \
	"aligned_alloc_any_align aligned_alloc-bad_align" "realloc_errno_zero realloc-errno"; do
	set -- $case
	"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --mutant $1 --seed 1 --time 30 -q --out "$tmp/r" >"$tmp/out" 2>&1
	grep -q "^MMFUZZ: faulty-obj-$2\$" "$tmp/out" && check ok ||
		check bad "--mutant $1: no 'faulty-obj-$2' finding: $(grep MMFUZZ "$tmp/out" | head -2)"
done
# a difference the adapter lists as known is counted in the report, not raised
"$mmfuzz" fuzz --adapter "$plugins/faulty_known.so" --mutant calloc_no_overflow_check --seed 1 --time 3 -q \
	--out "$tmp/k" >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] && grep -Eq "^  known +[1-9][0-9]* x  calloc-overflow: " "$tmp/out" && check ok ||
	check bad "known difference: exit $rc, report: $(grep -E 'known|MMFUZZ' "$tmp/out" | head -3)"
"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --seed 2 --time 3 -q --out "$tmp/clean" >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] && check ok || check bad "faulty.so without a mutant: exit $rc: $(grep MMFUZZ "$tmp/out" | head -3)"

# The template allocator: clean without a mutant; each planted bug caught
# by the check it should be, within 30 s, at three seeds.
"$mmfuzz" fuzz --adapter "$builddir/myalloc.so" --seed 4 --time 5 -q --out "$tmp/my" >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] && check ok || check bad "myalloc.so without a mutant: exit $rc: $(grep MMFUZZ "$tmp/out" | head -3)"
# planted NAME FAMILY "MUTANT CHECK"...: each mutant of the template NAME
# caught by CHECK within 30 s at seeds 1-3
planted() {
	name=$1 fam=$2
	shift 2
	for case in "$@"; do
		set -- $case
		for seed in 1 2 3; do
			"$mmfuzz" fuzz --adapter "$builddir/$name.so" --mutant $1 --seed $seed --time 30 -q --out "$tmp/$name" \
				>"$tmp/out" 2>&1
			grep -q "^MMFUZZ: $name-$fam-.*-$2\$" "$tmp/out" && check ok ||
				check bad "$name --mutant $1 seed $seed: no '-$2' finding: $(grep MMFUZZ "$tmp/out" | head -2)"
		done
	done
}
planted myalloc obj "overlap_after_free_pattern overlap" "realloc_loses_tail contents" "calloc_recycled_dirty zeroed" \
	"misalign_64 alignment"
# Out of process, a read whose value the executor knows (and a free) goes
# with the next call that waits, not in a round trip of its own: a wrong
# word found that way is the same finding, at the same op, with the same
# shrunk reproducer and detail, as one read at once (MMFUZZ_RING=0: the
# pipes, one call at a time).
for case in "realloc_loses_tail realloc-contents" "calloc_recycled_dirty calloc-zeroed"; do
	set -- $case
	for mode in ring pipes; do
		[ $mode = ring ] && ring= || ring=0
		MMFUZZ_RING=$ring "$mmfuzz" fuzz --adapter "$builddir/myalloc.so" --mutant $1 --seed 1 --time 30 -q \
			--out "$tmp/eq-$mode" >"$tmp/out-$mode" 2>&1
	done
	d=$1/myalloc-obj-$2
	at() { sed -n 's/block 0x[0-9a-f]*/block ADDR/g; /^# at op/p' "$tmp/eq-$1/$d/repro.txt"; }
	[ -s "$tmp/eq-ring/$d/repro.mmfz" ] && cmp -s "$tmp/eq-ring/$d/repro.mmfz" "$tmp/eq-pipes/$d/repro.mmfz" &&
		[ -n "$(at ring)" ] && [ "$(at ring)" = "$(at pipes)" ] && check ok ||
		check bad "--mutant $1 through the ring and through pipes differ: '$(at ring)' / '$(at pipes)'; \
$(grep -h MMFUZZ "$tmp/out-ring" "$tmp/out-pipes" | head -4)"
done
# its fuzz target (a replay driver under gcc): clean on the seed corpus,
# aborting on an input that meets the planted misalignment
"$builddir/myalloc_fuzz" "$srcdir/corpus/page" >"$tmp/out" 2>&1 && check ok ||
	check bad "myalloc_fuzz on the seed corpus: $(tail -3 "$tmp/out")"
printf 'mmfuzz 1 profile=tiny\nmemalign slot=0 kind=posix_memalign align=64 size=100 size_shift=0\n' >"$tmp/m64.txt"
"$builddir/myalloc_fuzz" "$tmp/m64.txt" >/dev/null 2>&1 && check ok || check bad "myalloc_fuzz: clean input fails"
MMFUZZ_MUTANT=misalign_64 "$builddir/myalloc_fuzz" "$tmp/m64.txt" >"$tmp/out" 2>&1
rc=$?
[ $rc != 0 ] && grep -q "MMFUZZ: myalloc-obj-posix_memalign-alignment" "$tmp/out" && check ok ||
	check bad "myalloc_fuzz with misalign_64: exit $rc: $(head -3 "$tmp/out")"

# The page template (adapters/template/mypages.c, zone-agnostic, with a
# free-page counter and the helper library): clean on every profile the
# campaign draws and on flat; each planted bug caught by the check it
# should be, at three seeds.
"$mmfuzz" fuzz --adapter "$builddir/mypages.so" --seed 4 --time 5 -q --out "$tmp/mp" >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] && check ok || check bad "mypages.so without a mutant: exit $rc: $(grep MMFUZZ "$tmp/out" | head -3)"
"$mmfuzz" fuzz --adapter "$builddir/mypages.so" --profile flat --seed 4 --time 2 -q --out "$tmp/mp" >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] && check ok || check bad "mypages.so on flat: exit $rc: $(grep MMFUZZ "$tmp/out" | head -3)"
planted mypages page "merge_next_block alignment" "split_leaks_half counter_free_pages" \
	"merge_keeps_buddy counter_free_pages" "zero_first_frame zeroed"
# Without MMF_CAP_PAGE_FLAT the same allocator breaks Linux's zone rules on
# a zoned profile: the bit is what lets it in (the placement check is live).
sed 's/MMF_CAP_PAGE_ALLOC | MMF_CAP_PAGE_CONTENTS | MMF_CAP_PAGE_FLAT/MMF_CAP_PAGE_ALLOC | MMF_CAP_PAGE_CONTENTS/' \
	"$srcdir/adapters/template/mypages.c" >"$tmp/zoned.c"
if cc -shared -fPIC -I"$srcdir/include" "$tmp/zoned.c" -o "$tmp/zoned.so" 2>"$tmp/err"; then
	"$mmfuzz" fuzz --adapter "$tmp/zoned.so" --profile x86_64 --seed 1 --time 20 -q --out "$tmp/mp" >"$tmp/out" 2>&1
	grep -Eq "^MMFUZZ: mypages-page-alloc_pages-(zone|node)\$" "$tmp/out" && check ok ||
		check bad "mypages without MMF_CAP_PAGE_FLAT on x86_64: no zone finding: $(grep MMFUZZ "$tmp/out" | head -2)"
else
	check bad "cannot build the zoned variant of mypages.c: $(head -3 "$tmp/err")"
fi

# The generator draws only what the plugin can run: myalloc has no kmem
# caches or mempools, so none of their ops is drawn for it.
"$mmfuzz" fuzz --adapter "$builddir/myalloc.so" --seed 5 --time 2 -q --out "$tmp/my" >"$tmp/out" 2>&1
grep -Eq "^ +(cache_|mempool_)" "$tmp/out" && check bad "myalloc campaign drew cache or mempool ops: $(grep -E '^ +(cache_|mempool_)' "$tmp/out" | head -2)" ||
	check ok
grep -Eq "^ +kmalloc +[1-9]" "$tmp/out" && check ok || check bad "myalloc campaign ran no kmalloc"

# Counters and free_kind (faulty keeps allocated_bytes and checks the kind
# every free is told): clean above; a realloc the count misses is caught.
for seed in 1 2; do
	"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --mutant count_misses_realloc --seed $seed --time 20 -q \
		--out "$tmp/cnt" >"$tmp/out" 2>&1
	grep -q "^MMFUZZ: faulty-obj-.*-counter_allocated_bytes\$" "$tmp/out" && check ok ||
		check bad "count_misses_realloc seed $seed: no counter finding: $(grep MMFUZZ "$tmp/out" | head -2)"
done

# A crash that depends on state outside the sequence (a marker file: only
# the first sequence to reach the 100th call crashes) is replayed on fresh
# systems before it is reported, does not come back, and is reported as
# flaky, saved under flaky/, never as a finding that reproduces; the
# campaign goes on past it and exits 4 (only flaky findings), not 1.
rm -f "$tmp/once"
FAULTY_ONCE=$tmp/once "$mmfuzz" fuzz --adapter "$plugins/faulty.so" --mutant segv_once --seed 1 --time 20 -q \
	--out "$tmp/fl" >"$tmp/out" 2>&1
rc=$?
[ $rc = 4 ] && grep -q "^MMFUZZ: faulty-obj-.*-sigsegv-flaky\$" "$tmp/out" &&
	grep -q "FLAKY: not reproduced in 3 replays on fresh systems" "$tmp/out" &&
	grep -q "verdict     FINDING (flaky only)" "$tmp/out" && ! grep -q "reproduced in fresh replay" "$tmp/out" &&
	check ok || check bad "segv_once: exit $rc, not reported as flaky: $(grep -E 'MMFUZZ|sequence #|verdict' "$tmp/out" | head -4)"
ls "$tmp"/fl/flaky/segv_once/*-flaky/repro.txt >/dev/null 2>&1 && check ok ||
	check bad "segv_once: no reproducer under flaky/: $(find "$tmp/fl" -type f | head -3)"
# the same crash, reproducible: replayed, reproduced, shrunk
"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --mutant segv_at_100 --seed 1 --time 20 -q --out "$tmp/fl" >"$tmp/out" 2>&1
grep -q "reproduced in fresh replay 1, shrunk to" "$tmp/out" && ! grep -q -- "-flaky" "$tmp/out" && check ok ||
	check bad "segv_at_100: not reported as reproduced: $(grep -E 'MMFUZZ|sequence #' "$tmp/out" | head -2)"

# Persistent workers: a worker serves sequence after sequence, reset by the
# plugin's own reset at each clean end (the report counts both), or a fresh
# one every sequence with --worker-reuse 1; a reset that crashes on what
# the sequence left is that sequence's finding, and replays as one.
"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --seed 1 --time 3 -q --out "$tmp/pw" >"$tmp/out" 2>&1
set -- $(awk '$1 == "workers" { print $2, $4 }' "$tmp/out")
[ $# = 2 ] && [ "$2" -gt $((10 * $1)) ] && grep -q "verdict     no divergence" "$tmp/out" && check ok ||
	check bad "faulty: workers not reused: $(grep -E 'workers|sequences|verdict' "$tmp/out")"
"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --seed 1 --time 2 --worker-reuse 1 -q --out "$tmp/pw" >"$tmp/out" 2>&1
set -- $(awk '$1 == "workers" { print $2, $4 }' "$tmp/out")
[ $# = 2 ] && [ "$2" = 0 ] && check ok || check bad "--worker-reuse 1: workers reused: $(grep -E 'workers' "$tmp/out")"
"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --worker-reuse 0 --time 1 -q >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q -- "--worker-reuse must be" "$tmp/err" && check ok || check bad "--worker-reuse 0 not refused"
"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --mutant reset_segv --seed 1 --time 20 -q --out "$tmp/rs" >"$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "^MMFUZZ: faulty-obj-reset-sigsegv\$" "$tmp/out" && grep -q "reproduced in fresh replay 1" "$tmp/out" &&
	check ok || check bad "reset_segv: exit $rc: $(grep -E 'MMFUZZ|sequence #|verdict' "$tmp/out" | head -3)"
for i in 1 2 3; do
	"$mmfuzz" replay --adapter "$plugins/faulty.so" --mutant reset_segv "$tmp"/rs/reset_segv/*/repro.mmfz >"$tmp/out" 2>&1
	grep -q ": MMFUZZ: faulty-obj-reset-sigsegv\$" "$tmp/out" && check ok ||
		check bad "reset_segv replay $i: $(head -3 "$tmp/out")"
done

# Deferred calls: over the shared-memory ring obj_write travels with the
# next call that waits, yet a crash or a hang at any call keeps the op, the
# step and the signature it has over the pipes (MMFUZZ_RING=0), one call at
# a time.
for case in "segv_at_100 1" "segv_at_100 2" "segv_in_write 1" "segv_in_write 2" "segv_in_write 3" "hang_at_100 1"; do
	set -- $case
	for wire in 1 0; do
		MMFUZZ_RING=$wire "$mmfuzz" fuzz --adapter "$plugins/faulty.so" --mutant $1 --seed $2 --time 20 \
			--op-timeout 500 --no-shrink -q --out "$tmp/w$wire" >"$tmp/out$wire" 2>&1
	done
	a=$(cd "$tmp"/w1/$1 2>/dev/null && grep -H "^# at op" */repro.txt) b=$(cd "$tmp"/w0/$1 2>/dev/null && grep -H "^# at op" */repro.txt)
	[ -n "$a" ] && [ "$a" = "$b" ] && grep -q "through shared memory" "$tmp/out1" && grep -q "ops through pipes" "$tmp/out0" &&
		check ok || check bad "$1 seed $2: ring '$a' vs pipes '$b'"
	rm -rf "$tmp/w1" "$tmp/w0"
done

# --time holds with a hanging plugin: its findings' replays and shrinking
# stay within the time left, and an op still hanging when the time is up
# is stopped (not a finding: the report says the sequence was cut).
for case in "1000 4 timeout" "5000 3 stopped"; do
	set -- $case
	start=$(date +%s.%N)
	"$mmfuzz" fuzz --adapter "$plugins/faulty.so" --mutant hang_at_100 --op-timeout $1 --seed 1 --time $2 --keep-going \
		-q --out "$tmp/hang" >"$tmp/out" 2>&1
	wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
	if [ $3 = timeout ]; then
		grep -q "^MMFUZZ: faulty-obj-.*-timeout\$" "$tmp/out"
	else
		grep -q "^  stopped     the sequence running when --time ran out was cut short" "$tmp/out" &&
			grep -q "verdict     no divergence" "$tmp/out"
	fi
	found=$?
	awk -v w="$wall" -v t=$2 'BEGIN { exit !(w < t + 1.5) }' && [ $found = 0 ] && check ok ||
		check bad "hang_at_100 --time $2 --op-timeout $1 ran $wall s (want < $2 + 1.5), $3: $(grep -E 'MMFUZZ|time  |stopped|verdict' "$tmp/out" | head -4)"
done

# Whole-sequence mode: a worker that carries the executor (a plugin; an agent
# linked with mmfuzz's core) runs each whole sequence itself against an
# oracle of its own. The campaign counts what it counts op by op: the same
# ops, each op's outcomes, answers and disagreements, the same known
# differences; and it says which way it ran. (The agents of a sanitized
# build do not link the core: there glibc runs op by op either way.)
counts() { sed -n '/^  ops  /{s/ (.*//;p}; /^  per op:/,/^  findings/p' "$1"; }
for a in "$builddir/myalloc.so" glibc; do
	if [ $a = glibc ] && [ ! -x "$agents/mmfuzz-agent-glibc" ]; then
		echo "SKIP: whole-sequence mode of agent glibc: not built"
		skip=$((skip + 1))
		continue
	fi
	for m in whole op-by-op; do
		[ $m = op-by-op ] && o=--op-by-op || o=
		MMFUZZ_AGENT_DIR=$agents "$mmfuzz" fuzz --adapter "$a" --seed 2 --runs 600 $o -q --out "$tmp/pm" \
			>"$tmp/pm-$m" 2>&1
	done
	counts "$tmp/pm-whole" >"$tmp/pm-a"
	counts "$tmp/pm-op-by-op" >"$tmp/pm-b"
	whole="whole sequences run in the worker"
	[ $a = glibc ] && [ "$agents_run" = 0 ] && whole="; ops through shared memory"
	[ -s "$tmp/pm-a" ] && cmp -s "$tmp/pm-a" "$tmp/pm-b" && grep -q "$whole" "$tmp/pm-whole" &&
		grep -q "; ops through shared memory" "$tmp/pm-op-by-op" && check ok ||
		check bad "$a: whole-sequence and op-by-op campaigns count differently: \
$(diff "$tmp/pm-a" "$tmp/pm-b" | head -6) $(grep -h workers "$tmp"/pm-whole "$tmp"/pm-op-by-op)"
done

# In process, with a second CPU, a thread generates the next sequence while
# one runs: the campaign is the one generated in line (MMFUZZ_PIN=1: one
# CPU, no thread), sequence for sequence.
for pin in 0 1; do
	[ $pin = 1 ] && p=1 || p=
	MMFUZZ_PIN=$p "$mmfuzz" fuzz --adapter reference --seed 5 --runs 3000 -q --out "$tmp/gt" >"$tmp/gt-$pin" 2>&1
	counts "$tmp/gt-$pin" >"$tmp/gt-$pin.c"
done
[ -s "$tmp/gt-0.c" ] && cmp -s "$tmp/gt-0.c" "$tmp/gt-1.c" && check ok ||
	check bad "campaign with its generating thread and without differ: $(diff "$tmp/gt-0.c" "$tmp/gt-1.c" | head -4)"

for a in glibc jemalloc tcmalloc mimalloc; do
	if [ ! -x "$agents/mmfuzz-agent-$a" ]; then
		echo "SKIP: agent $a not built (its library is missing; ci/setup installs it)"
		skip=$((skip + 1))
		continue
	fi
	MMFUZZ_AGENT_DIR=$agents "$mmfuzz" fuzz --adapter $a --seed 3 --time 2 -q --out "$tmp/a" >"$tmp/out" 2>&1
	rc=$?
	[ $rc = 0 ] && check ok || check bad "agent $a: exit $rc: $(grep MMFUZZ "$tmp/out" | head -3)"
	grep -q "adapter *$a vs oracle, compared at.*obj safety" "$tmp/out" && check ok ||
		check bad "agent $a: report does not name it at obj safety"
done
echo "cli_plugins: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
