/* Specification of the reference SLUB and kmalloc, scenario by scenario:
 * size classes, slab geometry, the cpu slab and its freelist, partial
 * lists and min_partial, kmem_cache_create (merging, alignment, destroy),
 * debug caches (poison, red zone, double free), krealloc, __GFP_ZERO and
 * reset; then each seeded SLUB mutant run through the same scenarios to
 * show that one of them notices; last, rows where Linux 6.8+ differed from
 * the model when they were written (they failed until the model followed).
 *
 * Every scenario boots the "tiny" profile (2 cpus, one node, 4096 pages),
 * lists the state it expects after each step, and runs both walkers
 * (mmf_slub_is_valid, mmf_buddy_is_valid) after every step. Objects live at
 * linear-map addresses, so a new order-0 slab's first object is page
 * aligned and the next one is `objsize` bytes further:
 *
 *     kmalloc-32, one page:  [a][b][c] ... [127]     a % 4096 == 0
 *                             0  32 64      4064
 *
 * "Free pages" below are the pages the page allocator can hand out: the
 * buddy's NR_FREE_PAGES plus the per-cpu lists, where a freed order-0 slab
 * page lands first. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reference/mm.h"
#include "reference/slab.h"

#include "tests/check_probe.h"
#include "tests/check_run.h"

#define PG 4096ull
#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- soft expectations ------------------------------------------------- */

/* struct probe and EXPECT: tests/check_probe.h */

/* Both walkers, after a step named `step`. */
#define VALID(p, m, step)                                                      \
	do {                                                                   \
		char vmsg_[256] = "";                                          \
		EXPECT(p, mmf_slub_is_valid(m, vmsg_, sizeof(vmsg_)) == 0, "%s: %s", step, vmsg_); \
		EXPECT(p, mmf_buddy_is_valid(m, vmsg_, sizeof(vmsg_)) == 0, "%s: %s", step, vmsg_); \
	} while (0)

typedef void (*scenario_fn)(struct probe *p, enum mmf_mutant mut);

static int boot(struct mmf_machine *m, enum mmf_mutant mut)
{
	const struct mmf_profile *p = mmf_profile_find("tiny", NULL);
	return p ? mmf_machine_init(m, p, mut) : -1;
}

static uint64_t free_pages(const struct mmf_machine *m)
{
	uint64_t n = 0;
	for (unsigned z = 0; z < m->nr_zones; z++) {
		n += m->zones[z].nr_free_pages;
		for (unsigned c = 0; c < MMF_MAX_CPUS; c++)
			n += m->zones[z].pcp[c].count;
	}
	return n;
}

/* One line of the reference's /proc/slabinfo. */
struct sline {
	unsigned long active_objs, num_objs, objsize, objperslab, pagesperslab;
	unsigned long active_slabs, num_slabs;
};

static char info[16384];

/* 1 and *l filled when the cache `name` has a line, else 0. */
static int slabinfo_get(const struct mmf_machine *m, const char *name, struct sline *l)
{
	mmf_report_slabinfo(m, info, sizeof(info));
	size_t n = strlen(name);
	for (const char *s = info; *s;) {
		if (strncmp(s, name, n) == 0 && s[n] == ' ')
			return sscanf(s + n, " %lu %lu %lu %lu %lu : tunables %*u %*u %*u : slabdata %lu %lu",
				      &l->active_objs, &l->num_objs, &l->objsize, &l->objperslab,
				      &l->pagesperslab, &l->active_slabs, &l->num_slabs) == 7;
		const char *nl = strchr(s, '\n');
		if (!nl)
			break;
		s = nl + 1;
	}
	return 0;
}

static unsigned slabinfo_nr_lines(const struct mmf_machine *m)
{
	unsigned n = 0;
	mmf_report_slabinfo(m, info, sizeof(info));
	for (const char *s = info; *s; s++)
		n += *s == '\n';
	return n;
}

/* The name on the first data line (newest cache first); name holds 64. */
static void slabinfo_first_name(const struct mmf_machine *m, char name[64])
{
	mmf_report_slabinfo(m, info, sizeof(info));
	const char *s = strchr(info, '\n');
	s = s ? strchr(s + 1, '\n') : NULL;
	name[0] = 0;
	if (s)
		sscanf(s + 1, "%63s", name);
}

/* ---- 1. kmalloc size classes ------------------------------------------ */

/* kmalloc(size) and the ksize() it reports: the class size for the kmalloc
 * caches (8..8192 in powers of two plus 96 and 192), whole pages above
 * KMALLOC_MAX_CACHE_SIZE (PAGE_SIZE << get_order(size)). */
static const struct {
	uint64_t size, ksize;
} class_rows[] = {
	{ 1, 8 },      { 8, 8 },       { 9, 16 },     { 16, 16 },    { 17, 32 },   { 64, 64 },
	{ 65, 96 },    { 96, 96 },     { 97, 128 },   { 128, 128 },  { 129, 192 }, { 192, 192 },
	{ 193, 256 },  { 256, 256 },   { 4096, 4096 }, { 8192, 8192 },
	{ 8193, 16384 },   /* get_order(8193) = 2 */
	{ 131072, 131072 }, /* get_order = 5, the model's KMALLOC_MAX_SIZE */
};

static void scn_size_classes(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	uint64_t a = 0, ks = 0;
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	for (int i = 0; i < NROWS(class_rows); i++) {
		uint64_t size = class_rows[i].size, before = free_pages(&m);
		EXPECT(p, mmf_kmalloc(&m, size, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "kmalloc(%llu) refused",
		       (unsigned long long)size);
		VALID(p, &m, "kmalloc");
		EXPECT(p, mmf_ksize(&m, a, &ks) == MMF_OK, "ksize of kmalloc(%llu)", (unsigned long long)size);
		EXPECT(p, ks == class_rows[i].ksize, "kmalloc(%llu): ksize %llu, expected %llu",
		       (unsigned long long)size, (unsigned long long)ks, (unsigned long long)class_rows[i].ksize);
		if (size > MMF_KMALLOC_MAX_CACHE_SIZE) /* kmalloc_large: the block itself */
			EXPECT(p, a % PG == 0 && before - free_pages(&m) == ks / PG,
			       "kmalloc(%llu): 0x%llx, %llu pages taken, expected %llu page-aligned",
			       (unsigned long long)size, (unsigned long long)a,
			       (unsigned long long)(before - free_pages(&m)), (unsigned long long)(ks / PG));
		EXPECT(p, mmf_kfree(&m, a, 0) == MMF_OK, "kfree of kmalloc(%llu)", (unsigned long long)size);
		VALID(p, &m, "kfree");
	}
	err = 0;
	EXPECT(p, mmf_kmalloc(&m, MMF_KMALLOC_MAX_SIZE + 1, GFP_KERNEL, 0, 0, &a, &err) == MMF_REFUSED &&
		   err == ENOMEM,
	       "kmalloc(131073) not refused with ENOMEM (err %d)", err);
	VALID(p, &m, "kmalloc(131073)");
	EXPECT(p, mmf_kmalloc(&m, 0, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK && a == MMF_ZERO_SIZE_PTR,
	       "kmalloc(0) = 0x%llx, expected ZERO_SIZE_PTR", (unsigned long long)a);
	EXPECT(p, mmf_ksize(&m, a, &ks) == MMF_OK && ks == 0, "ksize(ZERO_SIZE_PTR) = %llu", (unsigned long long)ks);
	EXPECT(p, mmf_kfree(&m, 0, 0) == MMF_OK, "kfree(NULL)");
	EXPECT(p, mmf_kfree(&m, MMF_ZERO_SIZE_PTR, 0) == MMF_OK, "kfree(ZERO_SIZE_PTR)");
	VALID(p, &m, "kfree(NULL), kfree(16)");
out:
	mmf_machine_fini(&m);
}

/* ---- 2. slab geometry -------------------------------------------------- */

/* Objects and pages per slab of each kmalloc cache as slabinfo shows them,
 * by Linux's calculate_order() for 2 cpus:
 *   min_objects = 4 * (fls(nr_cpus) + 1) = 4 * (2 + 1) = 12, capped at
 *   order_objects(slub_max_order = 3, size) = 32768 / size;
 *   order = get_order(min_objects * size), raised until the leftover
 *   (PAGE_SIZE << order) % size is at most 1/16 (then 1/8, 1/4) of the slab.
 * (Linux 6.8+ tries 1/2 last and no longer lowers min_objects; for these
 * sizes both versions agree, and so does this machine's /proc/slabinfo.) */
static const struct {
	const char *name;
	unsigned long objsize, objperslab, pagesperslab;
} geometry_rows[] = {
	{ "kmalloc-8", 8, 512, 1 },     /* 12*8    = 96    -> order 0, rem 0 */
	{ "kmalloc-16", 16, 256, 1 },   /* 12*16   = 192   -> order 0 */
	{ "kmalloc-32", 32, 128, 1 },   /* 12*32   = 384   -> order 0 */
	{ "kmalloc-64", 64, 64, 1 },    /* 12*64   = 768   -> order 0 */
	{ "kmalloc-96", 96, 42, 1 },    /* 12*96   = 1152  -> order 0, rem 4096%96 = 64 <= 256 */
	{ "kmalloc-128", 128, 32, 1 },  /* 12*128  = 1536  -> order 0 */
	{ "kmalloc-192", 192, 21, 1 },  /* 12*192  = 2304  -> order 0, rem 64 <= 256 */
	{ "kmalloc-256", 256, 16, 1 },  /* 12*256  = 3072  -> order 0 */
	{ "kmalloc-512", 512, 16, 2 },  /* 12*512  = 6144  -> order 1 */
	{ "kmalloc-1k", 1024, 16, 4 },  /* 12*1024 = 12288 -> order 2 */
	{ "kmalloc-2k", 2048, 16, 8 },  /* 12*2048 = 24576 -> order 3 */
	{ "kmalloc-4k", 4096, 8, 8 },   /* cap 32768/4096 = 8; 8*4096 = 32768 -> order 3 */
	{ "kmalloc-8k", 8192, 4, 8 },   /* cap 32768/8192 = 4; 4*8192 = 32768 -> order 3 */
};

static void scn_geometry(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	struct sline l;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	VALID(p, &m, "boot");
	EXPECT(p, slabinfo_nr_lines(&m) == 2 + (unsigned)NROWS(geometry_rows), "boot slabinfo has %u lines, expected %d",
	       slabinfo_nr_lines(&m), 2 + NROWS(geometry_rows));
	for (int i = 0; i < NROWS(geometry_rows); i++) {
		EXPECT(p, slabinfo_get(&m, geometry_rows[i].name, &l), "no slabinfo line for %s", geometry_rows[i].name);
		EXPECT(p, l.objsize == geometry_rows[i].objsize && l.objperslab == geometry_rows[i].objperslab &&
			       l.pagesperslab == geometry_rows[i].pagesperslab,
		       "%s: objsize %lu objperslab %lu pagesperslab %lu, expected %lu %lu %lu", geometry_rows[i].name,
		       l.objsize, l.objperslab, l.pagesperslab, geometry_rows[i].objsize, geometry_rows[i].objperslab,
		       geometry_rows[i].pagesperslab);
		EXPECT(p, l.num_objs == 0 && l.num_slabs == 0, "%s holds slabs at boot", geometry_rows[i].name);
	}
out:
	mmf_machine_fini(&m);
}

/* ---- 3. the cpu slab and its freelist ---------------------------------- */

/* kmalloc(32) on cpu 0 takes a new slab from the buddy; the next object is
 * the next slot; free-then-alloc on one cpu is LIFO. An object freed on
 * cpu 1 goes back to its slab's freelist (the slab is cpu 0's): cpu 1
 * takes a slab of its own, and cpu 0 meets the object again only after
 * its own freelist runs dry:
 *
 *   cpu 0's slab:  [a][b][2][3] ... [127]    a freed on cpu 1 -> slab->freelist
 *   cpu 0 hands out 2, 3, ... 127, then a */
static void scn_cpu_slab(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	struct sline l;
	uint64_t a = 0, b = 0, x = 0, f0;
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	f0 = free_pages(&m);
	EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "kmalloc(32) a");
	VALID(p, &m, "a");
	EXPECT(p, a % PG == 0, "a = 0x%llx is not the first object of a new slab", (unsigned long long)a);
	EXPECT(p, f0 - free_pages(&m) == 1, "new slab took %llu pages, expected 1", (unsigned long long)(f0 - free_pages(&m)));
	EXPECT(p, slabinfo_get(&m, "kmalloc-32", &l) && l.num_slabs == 1 && l.num_objs == 128 && l.active_objs == 128,
	       "kmalloc-32 after a: %lu/%lu objects in %lu slabs, expected 128/128 in 1", l.active_objs, l.num_objs,
	       l.num_slabs);
	EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 0, 0, &b, &err) == MMF_OK, "kmalloc(32) b");
	VALID(p, &m, "b");
	EXPECT(p, b == a + 32, "b = a + %lld, expected a + 32", (long long)(b - a));
	EXPECT(p, mmf_kfree(&m, b, 0) == MMF_OK, "kfree(b)");
	VALID(p, &m, "kfree(b)");
	EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 0, 0, &x, &err) == MMF_OK && x == b,
	       "free then alloc on cpu 0 gave a + %lld, expected b (a + 32)", (long long)(x - a));
	VALID(p, &m, "realloc b");
	EXPECT(p, mmf_kfree(&m, a, 1) == MMF_OK, "kfree(a) on cpu 1");
	VALID(p, &m, "kfree(a) on cpu 1");
	EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 1, 0, &x, &err) == MMF_OK, "kmalloc(32) on cpu 1");
	VALID(p, &m, "kmalloc on cpu 1");
	EXPECT(p, x != a && x % PG == 0 && f0 - free_pages(&m) == 2,
	       "cpu 1 got 0x%llx (a = 0x%llx), %llu pages out; expected a new slab of its own",
	       (unsigned long long)x, (unsigned long long)a, (unsigned long long)(f0 - free_pages(&m)));
	for (unsigned i = 2; i < 128; i++) {
		EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 0, 0, &x, &err) == MMF_OK, "kmalloc(32) #%u on cpu 0", i);
		VALID(p, &m, "kmalloc on cpu 0");
		EXPECT(p, x == a + 32 * i, "cpu 0's allocation %u: a + %lld, expected a + %u", i, (long long)(x - a),
		       32 * i);
	}
	EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 0, 0, &x, &err) == MMF_OK && x == a,
	       "after its own freelist, cpu 0 got a + %lld, expected a (from the slab's freelist)", (long long)(x - a));
	VALID(p, &m, "a again");
	EXPECT(p, slabinfo_get(&m, "kmalloc-32", &l) && l.num_slabs == 2, "kmalloc-32 has %lu slabs, expected 2",
	       l.num_slabs);
out:
	mmf_machine_fini(&m);
}

/* ---- 4. partial lists and min_partial ---------------------------------- */

/* kmalloc-32 (128 objects a slab, min_partial = max(5, ilog2(32)/2) = 5):
 * 7 slabs filled on cpu 0, S1..S6 full and S7 the full cpu slab. Then every
 * object of S1..S6 is freed, slab by slab. The first free of a full slab
 * puts it on the partial list; a slab that empties is discarded when the
 * partial list (itself included) already holds min_partial slabs:
 *
 *   emptied   partial list (empty slabs)   slabs   active_objs   pages back
 *   S1        S1                            7       768           0
 *   S2        S1 S2                         7       640           0
 *   S3        S1..S3                        7       512           0
 *   S4        S1..S4                        7       384           0
 *   S5        S1..S5 -> 5 >= 5, S5 goes    6       256           1
 *   S6        S1..S4 S6 -> S6 goes         5       128           2
 *
 * (slabinfo counts a partial slab's free objects as inactive, the cpu
 * slab's as active.) */
static const struct {
	unsigned long num_slabs, active_objs, pages_back;
} partial_rows[] = {
	{ 7, 768, 0 }, { 7, 640, 0 }, { 7, 512, 0 }, { 7, 384, 0 }, { 6, 256, 1 }, { 5, 128, 2 },
};

static void scn_partial(struct probe *p, enum mmf_mutant mut)
{
	static uint64_t objs[7 * 128];
	struct mmf_machine m = { 0 };
	struct sline l;
	uint64_t full;
	int err = 0;
	char step[64];
	EXPECT(p, boot(&m, mut) == 0, "boot");
	uint64_t f0 = free_pages(&m);
	for (unsigned i = 0; i < 7 * 128; i++) {
		EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 0, 0, &objs[i], &err) == MMF_OK, "kmalloc(32) #%u", i);
		VALID(p, &m, "fill");
	}
	full = free_pages(&m);
	EXPECT(p, f0 - full == 7, "7 slabs took %llu pages", (unsigned long long)(f0 - full));
	EXPECT(p, slabinfo_get(&m, "kmalloc-32", &l) && l.num_slabs == 7 && l.active_objs == 896,
	       "filled: %lu slabs, %lu active, expected 7 and 896", l.num_slabs, l.active_objs);
	for (unsigned s = 0; s < 6; s++) {
		for (unsigned i = 0; i < 128; i++) {
			EXPECT(p, mmf_kfree(&m, objs[s * 128 + i], 0) == MMF_OK, "kfree S%u object %u", s + 1, i);
			snprintf(step, sizeof(step), "kfree S%u object %u", s + 1, i);
			VALID(p, &m, step);
		}
		EXPECT(p, slabinfo_get(&m, "kmalloc-32", &l), "kmalloc-32 line");
		EXPECT(p, l.num_slabs == partial_rows[s].num_slabs,
		       "S%u emptied: kmalloc-32 has %lu slabs, expected %lu", s + 1, l.num_slabs, partial_rows[s].num_slabs);
		EXPECT(p, l.active_objs == partial_rows[s].active_objs, "S%u emptied: %lu active objects, expected %lu",
		       s + 1, l.active_objs, partial_rows[s].active_objs);
		EXPECT(p, free_pages(&m) - full == partial_rows[s].pages_back,
		       "S%u emptied: %llu pages back to the page allocator, expected %lu", s + 1,
		       (unsigned long long)(free_pages(&m) - full), partial_rows[s].pages_back);
	}
out:
	mmf_machine_fini(&m);
}

/* ---- 5. kmem_cache_create ---------------------------------------------- */

/* Merging as a distribution kernel does it (CONFIG_MEMCG=y, so
 * new_kmalloc_cache() marks kmalloc-<n> SLAB_NO_MERGE; this machine's
 * /sys/kernel/slab/kmalloc-96/aliases reads 0): a 96-byte cache without
 * flags or constructor stands alone, newest first in slabinfo; a second
 * compatible 96-byte cache is an alias of it (SLUB's find_mergeable): no
 * new line, the same id, and destroying the alias leaves the first. With
 * SLAB_POISON a cache never merges: the free pointer moves after the
 * object (96 + 8 = 104 bytes; 4096 / 104 = 39 objects, order 0). */
static void scn_merge(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	struct sline l;
	uint32_t id = 0, id_alias = 0, id2 = 0;
	uint64_t a = 0, q = 0;
	int err = 0;
	char first[64];
	EXPECT(p, boot(&m, mut) == 0, "boot");
	unsigned lines = slabinfo_nr_lines(&m);
	EXPECT(p, mmf_kmem_cache_create(&m, "mmf_m96", 96, 0, 0, 0, &id, &err) == MMF_OK, "create mmf_m96");
	VALID(p, &m, "create mmf_m96");
	EXPECT(p, slabinfo_nr_lines(&m) == lines + 1 && slabinfo_get(&m, "mmf_m96", &l),
	       "mmf_m96 has no slabinfo line of its own (kmalloc-96 must not be a merge target)");
	EXPECT(p, mmf_kmem_cache_create(&m, "mmf_n96", 96, 0, 0, 0, &id_alias, &err) == MMF_OK, "create mmf_n96");
	EXPECT(p, id_alias == id && slabinfo_nr_lines(&m) == lines + 1 && !slabinfo_get(&m, "mmf_n96", &l),
	       "mmf_n96 is not an alias of mmf_m96");
	EXPECT(p, mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "alloc from mmf_m96");
	EXPECT(p, mmf_kmem_cache_alloc(&m, id_alias, GFP_KERNEL, 0, 0, &q, &err) == MMF_OK, "alloc from mmf_n96");
	VALID(p, &m, "alloc from both");
	EXPECT(p, q == a + 96, "mmf_n96's object is mmf_m96's + %lld, expected + 96", (long long)(q - a));
	EXPECT(p, mmf_kmem_cache_free(&m, id_alias, a, 0) == MMF_OK, "kmem_cache_free(mmf_n96, mmf_m96 object)");
	EXPECT(p, mmf_kfree(&m, q, 0) == MMF_OK, "kfree(mmf_n96 object)");
	VALID(p, &m, "frees");
	EXPECT(p, mmf_kmem_cache_destroy(&m, id_alias, &err) == MMF_OK, "destroy mmf_n96");
	VALID(p, &m, "destroy mmf_n96");
	EXPECT(p, slabinfo_get(&m, "mmf_m96", &l), "mmf_m96 gone with its alias");
	EXPECT(p, mmf_kmem_cache_destroy(&m, id, &err) == MMF_OK, "destroy mmf_m96");
	EXPECT(p, slabinfo_nr_lines(&m) == lines, "slabinfo has %u lines after both went, expected %u",
	       slabinfo_nr_lines(&m), lines);
	VALID(p, &m, "destroy mmf_m96");

	EXPECT(p, mmf_kmem_cache_create(&m, "mmf_p96", 96, 0, SLAB_POISON, 0, &id2, &err) == MMF_OK, "create mmf_p96");
	VALID(p, &m, "create mmf_p96");
	EXPECT(p, slabinfo_nr_lines(&m) == lines + 1, "slabinfo has %u lines, expected %u", slabinfo_nr_lines(&m),
	       lines + 1);
	slabinfo_first_name(&m, first);
	EXPECT(p, strcmp(first, "mmf_p96") == 0, "first slabinfo line is %s, expected mmf_p96", first);
	EXPECT(p, slabinfo_get(&m, "mmf_p96", &l) && l.objsize == 104 && l.objperslab == 39 && l.pagesperslab == 1,
	       "mmf_p96: objsize %lu objperslab %lu pagesperslab %lu, expected 104 39 1", l.objsize, l.objperslab,
	       l.pagesperslab);
out:
	mmf_machine_fini(&m);
}

/* Alignment, calculate_alignment() and calculate_sizes():
 *   mmf_a64: size 20 -> 24, constructor (so never merged) moves the free
 *     pointer after it: 32; align 64 -> every object 64-aligned, stride 64.
 *   mmf_hw20: size 20, SLAB_HWCACHE_ALIGN: 64 halves while 20 <= 32 -> 32;
 *     SLAB_RED_ZONE (never merged) pads the left red zone to the alignment,
 *     so the first object sits at 32; the stride is 24 + 32 = 56 rounded
 *     up to 64 (Linux adds an empty word first: 24 + 8 + 32 = 64, the
 *     same). */
static const struct {
	const char *name;
	uint32_t size, align, flags;
	int ctor;
	uint64_t want_align, stride, first;
} align_rows[] = {
	{ "mmf_a64", 20, 64, 0, 1, 64, 64, 0 },
	{ "mmf_hw20", 20, 0, SLAB_HWCACHE_ALIGN | SLAB_RED_ZONE, 0, 32, 64, 32 },
};

static void scn_align(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	uint64_t o[3] = { 0 };
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	for (int r = 0; r < NROWS(align_rows); r++) {
		uint32_t id;
		EXPECT(p, mmf_kmem_cache_create(&m, align_rows[r].name, align_rows[r].size, align_rows[r].align,
						align_rows[r].flags, align_rows[r].ctor, &id, &err) == MMF_OK,
		       "create %s", align_rows[r].name);
		VALID(p, &m, "create");
		for (unsigned i = 0; i < 3; i++) {
			EXPECT(p, mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 0, 0, &o[i], &err) == MMF_OK, "%s alloc %u",
			       align_rows[r].name, i);
			VALID(p, &m, "alloc");
			EXPECT(p, o[i] % align_rows[r].want_align == 0, "%s: object %u at page offset %llu, not %llu-aligned",
			       align_rows[r].name, i, (unsigned long long)(o[i] % PG),
			       (unsigned long long)align_rows[r].want_align);
		}
		EXPECT(p, o[0] % PG == align_rows[r].first, "%s: first object at page offset %llu, expected %llu",
		       align_rows[r].name, (unsigned long long)(o[0] % PG), (unsigned long long)align_rows[r].first);
		EXPECT(p, o[1] - o[0] == align_rows[r].stride && o[2] - o[1] == align_rows[r].stride,
		       "%s: stride %lld, expected %llu", align_rows[r].name, (long long)(o[1] - o[0]),
		       (unsigned long long)align_rows[r].stride);
		for (unsigned i = 0; i < 3; i++)
			EXPECT(p, mmf_kmem_cache_free(&m, id, o[i], 0) == MMF_OK, "%s free %u", align_rows[r].name, i);
		VALID(p, &m, "free");
	}
out:
	mmf_machine_fini(&m);
}

/* kmem_cache_destroy: refused with EBUSY while an object is live, and the
 * cache keeps working; a cache emptied first goes, slabinfo loses its line
 * and its pages go back. (A cache whose destroy was refused is not
 * destroyed again here: Linux has already dropped its refcount to 0 and
 * never frees it.) */
static void scn_destroy(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	struct sline l;
	uint32_t busy = 0, empty = 0;
	uint64_t a = 0, b = 0, x = 0;
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	EXPECT(p, mmf_kmem_cache_create(&m, "mmf_busy", 200, 0, 0, 0, &busy, &err) == MMF_OK, "create mmf_busy");
	VALID(p, &m, "create mmf_busy");
	EXPECT(p, mmf_kmem_cache_alloc(&m, busy, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "alloc a");
	VALID(p, &m, "alloc a");
	err = 0;
	EXPECT(p, mmf_kmem_cache_destroy(&m, busy, &err) == MMF_REFUSED && err == EBUSY,
	       "destroy with a live object not refused with EBUSY (err %d)", err);
	VALID(p, &m, "refused destroy");
	EXPECT(p, slabinfo_get(&m, "mmf_busy", &l) && l.num_slabs == 1, "mmf_busy after the refused destroy: %s",
	       slabinfo_get(&m, "mmf_busy", &l) ? "slab count changed" : "no slabinfo line");
	EXPECT(p, mmf_kmem_cache_alloc(&m, busy, GFP_KERNEL, 0, 0, &b, &err) == MMF_OK, "alloc b after refused destroy");
	VALID(p, &m, "alloc b");
	EXPECT(p, b != a && b / PG == a / PG, "b = 0x%llx, expected another object of a's slab", (unsigned long long)b);
	EXPECT(p, mmf_kmem_cache_free(&m, busy, a, 0) == MMF_OK && mmf_kmem_cache_free(&m, busy, b, 0) == MMF_OK,
	       "free a, b");
	VALID(p, &m, "free a, b");

	uint64_t f0 = free_pages(&m);
	unsigned lines = slabinfo_nr_lines(&m);
	EXPECT(p, mmf_kmem_cache_create(&m, "mmf_empty", 300, 0, 0, 0, &empty, &err) == MMF_OK, "create mmf_empty");
	VALID(p, &m, "create mmf_empty");
	EXPECT(p, mmf_kmem_cache_alloc(&m, empty, GFP_KERNEL, 0, 0, &x, &err) == MMF_OK, "alloc x");
	EXPECT(p, mmf_kmem_cache_free(&m, empty, x, 0) == MMF_OK, "free x");
	VALID(p, &m, "alloc, free x");
	EXPECT(p, slabinfo_nr_lines(&m) == lines + 1, "mmf_empty has no slabinfo line");
	EXPECT(p, mmf_kmem_cache_destroy(&m, empty, &err) == MMF_OK, "destroy of the empty mmf_empty refused (err %d)",
	       err);
	VALID(p, &m, "destroy mmf_empty");
	EXPECT(p, slabinfo_nr_lines(&m) == lines && !slabinfo_get(&m, "mmf_empty", &l),
	       "mmf_empty still in slabinfo after destroy");
	EXPECT(p, free_pages(&m) == f0, "free pages %llu after destroy, expected %llu", (unsigned long long)free_pages(&m),
	       (unsigned long long)f0);
out:
	mmf_machine_fini(&m);
}

/* ---- 6. debug caches --------------------------------------------------- */

/* SLAB_POISON, 64-byte objects: a new object (no __GFP_ZERO) reads as
 * POISON_FREE with POISON_END in its last byte:
 *   word 0 (bytes 0..7)   6b 6b 6b 6b 6b 6b 6b 6b
 *   word 7 (bytes 56..63) 6b 6b 6b 6b 6b 6b 6b a5   (little endian) */
static void scn_poison_fresh(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	uint32_t id = 0;
	uint64_t a = 0, w = 0, ks = 0;
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	EXPECT(p, mmf_kmem_cache_create(&m, "mmf_poison", 64, 0, SLAB_POISON, 0, &id, &err) == MMF_OK, "create");
	VALID(p, &m, "create");
	EXPECT(p, mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "alloc");
	VALID(p, &m, "alloc");
	EXPECT(p, mmf_obj_read(&m, a, &w) == MMF_OK && w == 0x6b6b6b6b6b6b6b6bull, "first word 0x%016llx",
	       (unsigned long long)w);
	EXPECT(p, mmf_obj_read(&m, a + 56, &w) == MMF_OK && w == 0xa56b6b6b6b6b6b6bull, "last word 0x%016llx",
	       (unsigned long long)w);
	EXPECT(p, mmf_ksize(&m, a, &ks) == MMF_OK && ks == 64, "ksize %llu, expected the object size 64",
	       (unsigned long long)ks);
	EXPECT(p, mmf_kmem_cache_free(&m, id, a, 0) == MMF_OK, "free");
	VALID(p, &m, "free");
out:
	mmf_machine_fini(&m);
}

/* The corruption rows: a cache with `flags`, an allocation, a free or not,
 * one wrong write or free, and the verdict of the next allocator call
 * (MMF_CORRUPT, m.corrupt starting with `tag`). Where the wrong step is a
 * write, the walker already sees it before the allocator call does. The
 * model checks objects on alloc and free for SLAB_RED_ZONE or SLAB_POISON
 * alone; Linux does so only with SLAB_CONSISTENCY_CHECKS as well (as
 * slub_debug=FZP sets). */
enum bad { WRITE_REDZONE, WRITE_AFTER_FREE, DOUBLE_FREE };

static const struct {
	const char *name;
	uint32_t flags;
	enum bad bad;
	const char *tag;
} corrupt_rows[] = {
	/* object 64 = 8 * 8: the right red zone starts at a + 64 */
	{ "red zone written, caught by kmem_cache_free", SLAB_RED_ZONE, WRITE_REDZONE, "slub_redzone" },
	/* poison moves the free pointer after the object; word 0 is poison */
	{ "freed object written, caught by the next alloc", SLAB_POISON, WRITE_AFTER_FREE, "slub_poison" },
	{ "double free", SLAB_POISON, DOUBLE_FREE, "slub_double_free" },
};

static void run_corrupt_row(struct probe *p, enum mmf_mutant mut, int r)
{
	struct mmf_machine m = { 0 };
	uint32_t id = 0;
	uint64_t a = 0, b = 0, x = 0;
	int err = 0;
	enum mmf_result res = MMF_OK;
	char msg[256] = "";
	EXPECT(p, boot(&m, mut) == 0, "boot");
	EXPECT(p, mmf_kmem_cache_create(&m, "mmf_debug", 64, 0, corrupt_rows[r].flags, 0, &id, &err) == MMF_OK,
	       "create");
	VALID(p, &m, "create");
	EXPECT(p, mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "alloc a");
	EXPECT(p, mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 0, 0, &b, &err) == MMF_OK, "alloc b");
	VALID(p, &m, "alloc a, b");
	switch (corrupt_rows[r].bad) {
	case WRITE_REDZONE:
		EXPECT(p, mmf_obj_write(&m, a + 64, 0x4141414141414141ull) == MMF_OK, "write");
		EXPECT(p, mmf_slub_is_valid(&m, msg, sizeof(msg)) && strstr(msg, corrupt_rows[r].tag),
		       "%s: walker says \"%s\"", corrupt_rows[r].name, msg);
		res = mmf_kmem_cache_free(&m, id, a, 0);
		break;
	case WRITE_AFTER_FREE:
		EXPECT(p, mmf_kmem_cache_free(&m, id, a, 0) == MMF_OK, "free a");
		VALID(p, &m, "free a");
		EXPECT(p, mmf_obj_write(&m, a, 0x4141414141414141ull) == MMF_OK, "write");
		EXPECT(p, mmf_slub_is_valid(&m, msg, sizeof(msg)) && strstr(msg, corrupt_rows[r].tag),
		       "%s: walker says \"%s\"", corrupt_rows[r].name, msg);
		res = mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 0, 0, &x, &err);
		break;
	case DOUBLE_FREE:
		EXPECT(p, mmf_kmem_cache_free(&m, id, a, 0) == MMF_OK, "free a");
		VALID(p, &m, "free a");
		res = mmf_kmem_cache_free(&m, id, a, 0);
		break;
	}
	EXPECT(p, res == MMF_CORRUPT && strncmp(m.corrupt, corrupt_rows[r].tag, strlen(corrupt_rows[r].tag)) == 0,
	       "%s: result %d, corrupt \"%s\", expected MMF_CORRUPT \"%s...\"", corrupt_rows[r].name, (int)res,
	       m.corrupt, corrupt_rows[r].tag);
out:
	mmf_machine_fini(&m);
}

static void scn_corrupt(struct probe *p, enum mmf_mutant mut)
{
	for (int r = 0; r < NROWS(corrupt_rows) && !p->fail[0]; r++)
		run_corrupt_row(p, mut, r);
}

/* ---- 7. krealloc and __GFP_ZERO ---------------------------------------- */

/* krealloc: a 24-byte object (kmalloc-32) grown to 100 moves to kmalloc-128
 * with its old ksize (32) bytes, so the token in its last word (bytes
 * 16..23) comes along; within ksize it stays put; to 0 it is freed (and
 * ZERO_SIZE_PTR returned); from NULL it is kmalloc. */
static void scn_krealloc(struct probe *p, enum mmf_mutant mut)
{
	const uint64_t token = 0x70c0e2a110c0ffeeull;
	struct mmf_machine m = { 0 };
	uint64_t a = 0, q = 0, r = 0, w = 0, ks = 0;
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	EXPECT(p, mmf_kmalloc(&m, 24, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "kmalloc(24)");
	EXPECT(p, mmf_obj_write(&m, a + 16, token) == MMF_OK, "write token");
	VALID(p, &m, "kmalloc(24)");
	EXPECT(p, mmf_krealloc(&m, a, 100, GFP_KERNEL, 0, 0, &q, &err) == MMF_OK, "krealloc(a, 100)");
	VALID(p, &m, "krealloc(a, 100)");
	EXPECT(p, q != a && mmf_ksize(&m, q, &ks) == MMF_OK && ks == 128, "krealloc(a, 100): ksize %llu, expected 128",
	       (unsigned long long)ks);
	EXPECT(p, mmf_obj_read(&m, q + 16, &w) == MMF_OK && w == token,
	       "krealloc(a, 100): token 0x%016llx at +16, expected 0x%016llx", (unsigned long long)w,
	       (unsigned long long)token);
	EXPECT(p, mmf_krealloc(&m, q, 50, GFP_KERNEL, 0, 0, &r, &err) == MMF_OK && r == q, "shrink to 50 moved it");
	EXPECT(p, mmf_krealloc(&m, q, 128, GFP_KERNEL, 0, 0, &r, &err) == MMF_OK && r == q, "grow to ksize moved it");
	VALID(p, &m, "krealloc within ksize");
	EXPECT(p, mmf_krealloc(&m, q, 0, GFP_KERNEL, 0, 0, &r, &err) == MMF_OK && r == MMF_ZERO_SIZE_PTR,
	       "krealloc(q, 0) = 0x%llx, expected ZERO_SIZE_PTR", (unsigned long long)r);
	VALID(p, &m, "krealloc(q, 0)");
	EXPECT(p, mmf_kmalloc(&m, 128, GFP_KERNEL, 0, 0, &r, &err) == MMF_OK && r == q,
	       "kmalloc(128) after krealloc(q, 0) is not q: q was not freed");
	EXPECT(p, mmf_krealloc(&m, 0, 40, GFP_KERNEL, 0, 0, &r, &err) == MMF_OK && mmf_ksize(&m, r, &ks) == MMF_OK &&
		       ks == 64,
	       "krealloc(NULL, 40): ksize %llu, expected kmalloc(40)'s 64", (unsigned long long)ks);
	VALID(p, &m, "krealloc(NULL, 40)");
out:
	mmf_machine_fini(&m);
}

/* A 64-byte object written by its first owner, freed and handed out again
 * (LIFO): with __GFP_ZERO every word is 0; without it the first word
 * still holds the old value (which shows the first row can fail). */
static const struct {
	mmf_gfp_t gfp;
	int zero;
} zero_rows[] = {
	{ GFP_KERNEL | __GFP_ZERO, 1 },
	{ GFP_KERNEL, 0 },
};

static void scn_kzalloc(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	uint64_t a = 0, b = 0, w = 0;
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	for (int r = 0; r < NROWS(zero_rows); r++) {
		EXPECT(p, mmf_kmalloc(&m, 64, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK, "kmalloc(64)");
		for (unsigned i = 0; i < 8; i++)
			EXPECT(p, mmf_obj_write(&m, a + 8 * i, 0xdead0000u + i) == MMF_OK, "write");
		EXPECT(p, mmf_kfree(&m, a, 0) == MMF_OK, "kfree");
		VALID(p, &m, "write, kfree");
		EXPECT(p, mmf_kmalloc(&m, 64, zero_rows[r].gfp, 0, 0, &b, &err) == MMF_OK && b == a, "realloc is not LIFO");
		VALID(p, &m, "kmalloc again");
		if (zero_rows[r].zero) {
			for (unsigned i = 0; i < 8; i++)
				EXPECT(p, mmf_obj_read(&m, b + 8 * i, &w) == MMF_OK && w == 0,
				       "kzalloc: word %u is 0x%llx", i, (unsigned long long)w);
		} else {
			EXPECT(p, mmf_obj_read(&m, b, &w) == MMF_OK && w == 0xdead0000u,
			       "kmalloc without __GFP_ZERO: word 0 is 0x%llx, expected the old 0xdead0000",
			       (unsigned long long)w);
		}
		EXPECT(p, mmf_kfree(&m, b, 0) == MMF_OK, "kfree");
	}
out:
	mmf_machine_fini(&m);
}

/* A large kmalloc (whole pages from the buddy) reads as zero wherever it
 * was not written, also over pages an earlier owner wrote, and krealloc
 * carries what was written (the model clears such pages when first
 * written, not at allocation). Every page of a 16-page block gets a token
 * from its first owner; the second owner of the same block writes pages 0
 * and 5 only. */
static void scn_large_zero(struct probe *p, enum mmf_mutant mut)
{
	struct mmf_machine m = { 0 };
	uint64_t a = 0, b = 0, c = 0, w = 0, ks = 0;
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	for (int round = 0; round < 2; round++) {
		EXPECT(p, mmf_kmalloc(&m, 40000, GFP_KERNEL, 0, 0, &a, &err) == MMF_OK && mmf_ksize(&m, a, &ks) == MMF_OK &&
			       ks == 16 * PG, "kmalloc(40000): ksize %llu, expected 16 pages", (unsigned long long)ks);
		for (unsigned i = 0; i < 16; i++)
			EXPECT(p, mmf_obj_write(&m, a + i * PG + 8 * i, 0xa110c000u + i) == MMF_OK, "first owner's write");
		if (round == 0) {
			EXPECT(p, mmf_kfree(&m, a, 0) == MMF_OK, "kfree");
		} else {
			mmf_machine_reset(&m); /* the block is still allocated: reset frees it */
		}
		VALID(p, &m, "first owner gone");
		EXPECT(p, mmf_kmalloc(&m, 40000, GFP_KERNEL, 0, 0, &b, &err) == MMF_OK && b == a,
		       "kmalloc(40000) again: 0x%llx, not the same block", (unsigned long long)b);
		for (unsigned i = 0; i < 16; i++)
			EXPECT(p, mmf_obj_read(&m, b + i * PG + 8 * i, &w) == MMF_OK && w == 0,
			       "round %d: page %u reads 0x%llx, not 0", round, i, (unsigned long long)w);
		EXPECT(p, mmf_obj_write(&m, b + 8, 0x5eed0000u) == MMF_OK && mmf_obj_write(&m, b + 5 * PG, 0x5eed0005u) == MMF_OK,
		       "second owner's writes");
		EXPECT(p, mmf_obj_read(&m, b + 5 * PG + 40, &w) == MMF_OK && w == 0, "page 5 beside the write: 0x%llx",
		       (unsigned long long)w);
		EXPECT(p, mmf_krealloc(&m, b, 100000, GFP_KERNEL, 0, 0, &c, &err) == MMF_OK && c != b, "krealloc(b, 100000)");
		VALID(p, &m, "krealloc(b, 100000)");
		EXPECT(p, mmf_obj_read(&m, c + 8, &w) == MMF_OK && w == 0x5eed0000u, "krealloc: page 0's word 0x%llx",
		       (unsigned long long)w);
		EXPECT(p, mmf_obj_read(&m, c + 5 * PG, &w) == MMF_OK && w == 0x5eed0005u, "krealloc: page 5's word 0x%llx",
		       (unsigned long long)w);
		for (unsigned i = 1; i < 32; i++)
			EXPECT(p, mmf_obj_read(&m, c + i * PG + 8 * (i % 16), &w) == MMF_OK && w == 0,
			       "krealloc: page %u reads 0x%llx", i, (unsigned long long)w);
		EXPECT(p, mmf_kfree(&m, c, 0) == MMF_OK, "kfree(c)");
		VALID(p, &m, "kfree(c)");
	}
out:
	mmf_machine_fini(&m);
}

/* ---- 8. reset ---------------------------------------------------------- */

/* After a run touching kmalloc caches, a cache of its own and a large
 * kmalloc, mmf_machine_reset gives back the boot slabinfo, valid
 * structures, the boot free page count, and the same first object. */
static void scn_reset(struct probe *p, enum mmf_mutant mut)
{
	static char boot_info[16384];
	struct mmf_machine m = { 0 };
	uint64_t first = 0, x = 0, f0;
	uint32_t id = 0;
	int err = 0;
	EXPECT(p, boot(&m, mut) == 0, "boot");
	f0 = free_pages(&m);
	mmf_report_slabinfo(&m, boot_info, sizeof(boot_info));
	EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 0, 0, &first, &err) == MMF_OK, "first kmalloc(32)");
	VALID(p, &m, "first kmalloc(32)");
	for (unsigned i = 0; i < 300; i++) {
		EXPECT(p, mmf_kmalloc(&m, 8 + (i * 37) % 3000, GFP_KERNEL, i % 2, 0, &x, &err) == MMF_OK, "kmalloc #%u", i);
		VALID(p, &m, "kmalloc");
	}
	EXPECT(p, mmf_kmem_cache_create(&m, "mmf_run", 72, 0, SLAB_POISON, 0, &id, &err) == MMF_OK, "create");
	VALID(p, &m, "create");
	EXPECT(p, mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 1, 0, &x, &err) == MMF_OK, "alloc");
	VALID(p, &m, "alloc");
	EXPECT(p, mmf_kmalloc(&m, 20000, GFP_KERNEL, 0, 0, &x, &err) == MMF_OK, "kmalloc(20000)");
	VALID(p, &m, "kmalloc(20000)");
	mmf_machine_reset(&m);
	VALID(p, &m, "reset");
	mmf_report_slabinfo(&m, info, sizeof(info));
	EXPECT(p, strcmp(info, boot_info) == 0, "slabinfo after reset:\n%.300s", info);
	EXPECT(p, free_pages(&m) == f0, "free pages %llu after reset, expected %llu", (unsigned long long)free_pages(&m),
	       (unsigned long long)f0);
	EXPECT(p, mmf_kmalloc(&m, 32, GFP_KERNEL, 0, 0, &x, &err) == MMF_OK && x == first,
	       "first kmalloc(32) after reset at 0x%llx, at boot 0x%llx", (unsigned long long)x,
	       (unsigned long long)first);
	VALID(p, &m, "kmalloc after reset");
out:
	mmf_machine_fini(&m);
}

/* ---- tests: the specification ------------------------------------------ */

static const struct {
	const char *name;
	scenario_fn fn;
} scenarios[] = {
	{ "size_classes", scn_size_classes },
	{ "geometry", scn_geometry },
	{ "cpu_slab", scn_cpu_slab },
	{ "partial", scn_partial },
	{ "merge", scn_merge },
	{ "align", scn_align },
	{ "destroy", scn_destroy },
	{ "poison_fresh", scn_poison_fresh },
	{ "corrupt", scn_corrupt },
	{ "krealloc", scn_krealloc },
	{ "kzalloc", scn_kzalloc },
	{ "large_zero", scn_large_zero },
	{ "reset", scn_reset },
};

START_TEST(t_spec)
{
	struct probe p = { "" };
	scenarios[_i].fn(&p, MMF_MUT_NONE);
	ck_assert_msg(p.fail[0] == 0, "%s: %s", scenarios[_i].name, p.fail);
}
END_TEST

/* ---- tests: every SLUB mutant is caught -------------------------------- */

/* Which scenario notices which mutant, and by what: a walker tag or the
 * expectation that breaks first. */
static const struct {
	enum mmf_mutant mutant;
	const char *scenario;
	const char *evidence;
} catches[] = {
	/* the remote free of a with inuse 2 links a to itself */
	{ MMF_MUT_SLUB_FREELIST_DOUBLE_INSERT, "cpu_slab", "kfree(a) on cpu 1: slub_duplicate" },
	{ MMF_MUT_KMALLOC_CLASS_96_192, "size_classes", "kmalloc(97): ksize 96, expected 128" },
	/* the first free into full S1 leaves it on no list */
	{ MMF_MUT_SLUB_PARTIAL_LEAK, "partial", "kfree S1 object 0: slub_lists" },
	{ MMF_MUT_SLUB_ALIGN_LOST, "align", "mmf_a64: object 1 at page offset 32, not 64-aligned" },
	{ MMF_MUT_SLUB_MIN_PARTIAL_IGNORED, "partial", "S5 emptied: kmalloc-32 has 7 slabs, expected 6" },
	{ MMF_MUT_KSIZE_TOO_BIG, "size_classes", "kmalloc(1): ksize 16, expected 8" },
	/* 32 / 2 = 16 bytes copied: the token at +16 stays behind */
	{ MMF_MUT_KREALLOC_SHORT_COPY, "krealloc", "krealloc(a, 100): token" },
};

START_TEST(t_mutant_caught)
{
	scenario_fn fn = NULL;
	for (int s = 0; s < NROWS(scenarios); s++)
		if (strcmp(scenarios[s].name, catches[_i].scenario) == 0)
			fn = scenarios[s].fn;
	ck_assert_ptr_nonnull(fn);
	struct probe p = { "" };
	fn(&p, catches[_i].mutant);
	ck_assert_msg(strstr(p.fail, catches[_i].evidence) != NULL, "mutant %s, scenario %s: expected \"%s\", got \"%s\"",
		      mmf_reference_mutants[catches[_i].mutant - 1].name, catches[_i].scenario, catches[_i].evidence,
		      p.fail);
}
END_TEST

START_TEST(t_mutants_all_listed)
{
	for (int mut = MMF_MUT_SLUB_FREELIST_DOUBLE_INSERT; mut <= MMF_MUT_KREALLOC_SHORT_COPY; mut++) {
		int listed = 0;
		for (int i = 0; i < NROWS(catches); i++)
			listed += catches[i].mutant == (enum mmf_mutant)mut;
		ck_assert_msg(listed > 0, "mutant %s has no entry in catches[]", mmf_reference_mutants[mut - 1].name);
	}
}
END_TEST

/* ---- tests: Linux 6.8+ details the model once got wrong ----------------- */

/* calculate_sizes() with SLAB_RED_ZONE adds, besides the right red zone
 * word and the left pad, "some empty padding so that we can catch
 * overwrites from earlier objects" (size += sizeof(void *)). 64 bytes:
 *   64 + 8 (right red zone, as 64 is a multiple of 8) = 72 = inuse,
 *   free pointer in the middle (offset 32), + 8 padding + 8 left pad = 88;
 *   12 * 88 = 1056 -> order 0, 4096 % 88 = 48 <= 256: 46 objects. */
START_TEST(t_linux_redzone_padding)
{
	struct mmf_machine m = { 0 };
	struct sline l = { 0 };
	uint32_t id;
	int err;
	ck_assert_int_eq(boot(&m, MMF_MUT_NONE), 0);
	ck_assert_int_eq(mmf_kmem_cache_create(&m, "mmf_rz64", 64, 0, SLAB_RED_ZONE, 0, &id, &err), MMF_OK);
	ck_assert(slabinfo_get(&m, "mmf_rz64", &l));
	ck_assert_msg(l.objsize == 88 && l.objperslab == 46 && l.pagesperslab == 1,
		      "SLAB_RED_ZONE 64: objsize %lu objperslab %lu pagesperslab %lu, Linux 88 46 1", l.objsize,
		      l.objperslab, l.pagesperslab);
	mmf_machine_fini(&m);
}
END_TEST

/* Linux 6.8+ calculate_order(): min_order = get_order(min_objects * size)
 * and fractions 16, 8, 4 and 2, no lowering of min_objects. 11000 bytes:
 *   min_objects = min(12, 32768 / 11000 = 2) = 2, get_order(22000) = 3;
 *   order 3 leaves 32768 - 2 * 11000 = 10768: > 1/16, 1/8, 1/4, <= 1/2
 *   of 32768 -> order 3, 2 objects. (The model's pre-6.8 loop lowers
 *   min_objects to 1 and falls back to order 2, 1 object; every size in
 *   10928..12280 differs so, none at or below 8192.) */
START_TEST(t_linux_order_half_waste)
{
	struct mmf_machine m = { 0 };
	struct sline l = { 0 };
	uint32_t id;
	int err;
	ck_assert_int_eq(boot(&m, MMF_MUT_NONE), 0);
	ck_assert_int_eq(mmf_kmem_cache_create(&m, "mmf_big", 11000, 0, 0, 0, &id, &err), MMF_OK);
	ck_assert(slabinfo_get(&m, "mmf_big", &l));
	ck_assert_msg(l.objperslab == 2 && l.pagesperslab == 8,
		      "11000-byte cache: objperslab %lu pagesperslab %lu, Linux 6.8+ 2 8", l.objperslab, l.pagesperslab);
	mmf_machine_fini(&m);
}
END_TEST

/* free_consistency_checks() asks on_freelist() before check_object(): a
 * double free in a red-zoned cache is "Object already free", although the
 * freed object's red zone (now SLUB_RED_INACTIVE) would fail the active
 * check too. */
START_TEST(t_linux_double_free_before_redzone)
{
	struct mmf_machine m = { 0 };
	uint32_t id;
	uint64_t a, b;
	int err;
	ck_assert_int_eq(boot(&m, MMF_MUT_NONE), 0);
	ck_assert_int_eq(mmf_kmem_cache_create(&m, "mmf_rzdf", 64, 0, SLAB_RED_ZONE, 0, &id, &err), MMF_OK);
	ck_assert_int_eq(mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 0, 0, &a, &err), MMF_OK);
	ck_assert_int_eq(mmf_kmem_cache_alloc(&m, id, GFP_KERNEL, 0, 0, &b, &err), MMF_OK);
	ck_assert_int_eq(mmf_kmem_cache_free(&m, id, a, 0), MMF_OK);
	ck_assert_int_eq(mmf_kmem_cache_free(&m, id, a, 0), MMF_CORRUPT);
	ck_assert_msg(strncmp(m.corrupt, "slub_double_free", 16) == 0, "double free reported as \"%s\"", m.corrupt);
	mmf_machine_fini(&m);
}
END_TEST

/* ---- suite ------------------------------------------------------------- */

static Suite *slub_suite(void)
{
	Suite *s = suite_create("slub");
	TCase *tc = tcase_create("spec");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, t_spec, 0, NROWS(scenarios));
	suite_add_tcase(s, tc);

	tc = tcase_create("mutants");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, t_mutant_caught, 0, NROWS(catches));
	tcase_add_test(tc, t_mutants_all_listed);
	suite_add_tcase(s, tc);

	tc = tcase_create("linux_6x");
	tcase_add_test(tc, t_linux_redzone_padding);
	tcase_add_test(tc, t_linux_order_half_waste);
	tcase_add_test(tc, t_linux_double_free_before_redzone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mmf_check_run(slub_suite(), 1);
}
