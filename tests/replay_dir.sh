#!/bin/sh
# Replays every file in a folder with `mmfuzz replay`; each must pass.
# usage: replay_dir.sh MMFUZZ DIR
set -u
mmfuzz=$1 dir=$2
n=0 fail=0
for f in "$dir"/*; do
	[ -f "$f" ] || continue
	case "$f" in *.md) continue ;; esac
	n=$((n + 1))
	# A regression may name its adapter on a "# replay-args:" line.
	args=$(sed -n 's/^# replay-args: //p' "$f" | head -n 1)
	if ! $mmfuzz replay $args "$f"; then
		fail=$((fail + 1))
	fi
done
echo "regressions: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
