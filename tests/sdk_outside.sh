#!/bin/sh
# The adapter walkthrough (adapters/template/README.md), run as written:
# its first shell block installs mmfuzz from this tree into a temporary
# prefix, the rest build the template as an outside project against that
# installation (its own CMakeLists.txt, find_package(mmfuzz)), fuzz it
# clean, find a planted bug and replay it. Also builds the plugin with
# pkg-config alone. Runs in the default build only (the walkthrough
# installs the default preset), elsewhere SKIP.
# usage: sdk_outside.sh SOURCE_DIR BUILD_DIR TMPDIR
set -u
src=$1 build=$2 tmp=$3
if [ "$(cd "$build" && pwd)" != "$(cd "$src" && pwd)/build/default" ]; then
	echo "SKIP: the walkthrough installs the default preset; this is $build"
	exit 77
fi
rm -rf "$tmp" && mkdir -p "$tmp/work"
export MMFUZZ_PREFIX="$tmp/prefix"
# the ```sh blocks of the walkthrough, in order
awk '/^```sh$/ { n++; on = 1; next } /^```$/ { on = 0 } on { print > (dir "/step" n ".sh") }' \
	dir="$tmp" "$src/adapters/template/README.md"
steps=$(ls "$tmp"/step*.sh 2>/dev/null | wc -l)
[ "$steps" -ge 5 ] || { echo "FAIL: found $steps shell blocks in the walkthrough"; exit 1; }
echo "== step 1 (install), in $src"
(cd "$src" && sh -ex "$tmp/step1.sh") >"$tmp/log1" 2>&1 || { tail -20 "$tmp/log1"; echo "FAIL: install"; exit 1; }
for f in bin/mmfuzz include/mmfuzz/adapter.h lib/libmmfuzz_core.a lib/pkgconfig/mmfuzz.pc \
	lib/cmake/mmfuzz/mmfuzzConfig.cmake share/mmfuzz/template/myalloc.c libexec/mmfuzz/mmfuzz-agent-glibc; do
	[ -e "$MMFUZZ_PREFIX/$f" ] || { echo "FAIL: the installation lacks $f"; exit 1; }
done
echo "== steps 2-$steps, in $tmp/work"
for i in $(seq 2 "$steps"); do cat "$tmp/step$i.sh"; done >"$tmp/rest.sh"
(cd "$tmp/work" && sh -ex "$tmp/rest.sh") >"$tmp/log2" 2>&1 || { tail -30 "$tmp/log2"; echo "FAIL: walkthrough"; exit 1; }
[ "$(grep -c "verdict     no divergence" "$tmp/log2")" -ge 2 ] ||
	{ echo "FAIL: the clean runs (myalloc, mypages) did not both say no divergence"; exit 1; }
grep -q "^MMFUZZ: myalloc-obj-" "$tmp/log2" || { echo "FAIL: the planted bug was not found"; exit 1; }
grep -q "^MMFUZZ: mypages-page-alloc_pages-counter_free_pages" "$tmp/log2" ||
	{ echo "FAIL: the page template's planted bug was not found by its counter"; exit 1; }
[ -x "$tmp/work/myalloc/build/myalloc_fuzz" ] && [ -x "$tmp/work/myalloc/build/mypages_fuzz" ] ||
	{ echo "FAIL: no fuzz targets built"; exit 1; }
# pkg-config alone, as the walkthrough says
cd "$tmp/work/myalloc" &&
	cc -shared -fPIC $(PKG_CONFIG_PATH="$MMFUZZ_PREFIX/lib/pkgconfig" pkg-config --cflags mmfuzz) myalloc.c -o pc.so &&
	"$MMFUZZ_PREFIX/bin/mmfuzz" fuzz --adapter ./pc.so --time 2 -q >/dev/null 2>&1 ||
	{ echo "FAIL: the pkg-config build"; exit 1; }
# the page template calls the helper library, which the installed mmfuzz
# exports: built with pkg-config alone, it loads and runs
cc -shared -fPIC $(PKG_CONFIG_PATH="$MMFUZZ_PREFIX/lib/pkgconfig" pkg-config --cflags mmfuzz) mypages.c -o pcp.so &&
	nm -D --undefined-only pcp.so | grep -q ' mmf_plug_' &&
	"$MMFUZZ_PREFIX/bin/mmfuzz" fuzz --adapter ./pcp.so --time 2 -q >"$tmp/log3" 2>&1 &&
	grep -q "verdict     no divergence" "$tmp/log3" ||
	{ cat "$tmp/log3"; echo "FAIL: the page template with the helper library, built with pkg-config"; exit 1; }
echo "sdk_outside: the walkthrough ran ($steps steps)"
