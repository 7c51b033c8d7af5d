/* Finding an adapter by what the user typed after --adapter: a built-in
 * name, the name of an installed agent (mmfuzz-agent-NAME), a shared
 * object exporting MMF_ADAPTER_ENTRY, or the path of an agent program.
 * Optionally wraps the result in a fork server (isolation). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/remote.h"
#include "mmfuzz/harness.h"

static int executable(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int mmf_agent_path(const char *name, char *out, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	const char *env = getenv("MMFUZZ_AGENT_DIR");
	const char *dirs[3] = { env && *env ? env : NULL, NULL, NULL };
	char d1[PATH_MAX + 16], d2[PATH_MAX + 32];
	snprintf(d1, sizeof(d1), "%s/agents", exe);
	snprintf(d2, sizeof(d2), "%s/../libexec/mmfuzz", exe);
	dirs[1] = d1;
	dirs[2] = d2;
	for (unsigned i = 0; i < 3; i++) {
		if (!dirs[i])
			continue;
		snprintf(out, cap, "%s/mmfuzz-agent-%s", dirs[i], name);
		if (executable(out))
			return 0;
	}
	return -1;
}

static const struct mmf_adapter *load_plugin(const char *path, char *err, size_t cap)
{
	/* dlopen searches the library path for a bare name: make it a path */
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s%s", strchr(path, '/') ? "" : "./", path);
	void *h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, cap, "cannot load adapter %s: %s", path, dlerror());
		return NULL;
	}
	mmf_adapter_entry_fn entry;
	*(void **)&entry = dlsym(h, MMF_ADAPTER_ENTRY);
	if (!entry) {
		snprintf(err, cap, "%s is not an mmfuzz adapter: it does not export %s() (see adapters/template/)", path,
			 MMF_ADAPTER_ENTRY);
		dlclose(h);
		return NULL;
	}
	const struct mmf_adapter *ad = entry();
	char why[256];
	if (mmf_adapter_validate(ad, why, sizeof(why))) {
		snprintf(err, cap, "%s: %s", path, why);
		dlclose(h);
		return NULL;
	}
	return ad; /* stays loaded for the process's life */
}

static char agent_program[PATH_MAX];

void mmf_adapter_set_agent_program(const char *exe)
{
	snprintf(agent_program, sizeof(agent_program), "%s", exe ? exe : "");
}

/* ad (already loaded here, so its table is checked) in a fork server:
 * the agent program serving name when there is one, else a fork of this
 * process. */
static const struct mmf_adapter *isolated(const struct mmf_adapter *ad, const char *name,
					  const struct mmf_remote_opts *ro, char *err, size_t cap)
{
	if (agent_program[0]) {
		char abs[PATH_MAX];
		if (strchr(name, '/') && realpath(name, abs))
			name = abs; /* the agent may start elsewhere */
		return mmf_remote_exec_args(agent_program, "agent", name, ro, err, cap);
	}
	return mmf_remote_fork(ad, ro, err, cap);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);
	return n >= k && !strcmp(s + n - k, tail);
}

static const struct mmf_adapter *open_adapter(const char *name, const struct mmf_open_opts *o, char *err, size_t cap);

const struct mmf_adapter *mmf_adapter_open(const char *name, const struct mmf_open_opts *o, char *err, size_t cap)
{
	errno = 0;
	const struct mmf_adapter *ad = open_adapter(name, o, err, cap);
	if (!ad && errno != EIO)
		errno = EINVAL; /* the name, the plugin or its table is bad */
	return ad;
}

static const struct mmf_adapter *open_adapter(const char *name, const struct mmf_open_opts *o, char *err, size_t cap)
{
	struct mmf_remote_opts ro = { o ? o->op_timeout_ms : 0, o ? o->mem_limit : 0 };
	const struct mmf_adapter *ad = NULL;
	char path[PATH_MAX + 64];
	if (strchr(name, '/') || ends_with(name, ".so")) {
		if (ends_with(name, ".so") || strstr(name, ".so.")) {
			/* Someone's new allocator may well crash: isolated unless
			 * asked. Its constructors run when it is loaded, so it is
			 * loaded first in the agent, never here: what they do
			 * (exit, crash, hang) cannot end this process. */
			int isolate = !o || o->isolate != MMF_ISOLATE_NONE;
			if (isolate && agent_program[0]) {
				char abs[PATH_MAX];
				if (access(name, F_OK)) {
					snprintf(err, cap, "cannot load adapter %s: %s", name, strerror(errno));
					errno = EINVAL;
					return NULL;
				}
				if (!realpath(name, abs))
					snprintf(abs, sizeof(abs), "%s", name);
				return mmf_remote_exec_args(agent_program, "agent", abs, &ro, err, cap);
			}
			if ((ad = load_plugin(name, err, cap)) && isolate)
				return isolated(ad, name, &ro, err, cap);
		}
		else if (executable(name))
			return mmf_remote_exec(name, &ro, err, cap);
		else {
			snprintf(err, cap, "adapter %s: %s", name,
				 access(name, F_OK) ? strerror(errno) : "neither a shared object (.so) nor an agent program");
			return NULL;
		}
		if (!ad)
			return NULL;
	} else if (!(ad = mmf_adapter_find(name))) {
		if (mmf_agent_path(name, path, sizeof(path)) == 0)
			return mmf_remote_exec(path, &ro, err, cap);
		int n = snprintf(err, cap, "unknown adapter '%s' (built in:", name);
		for (unsigned i = 0; i < mmf_builtin_adapter_count() && n > 0 && (size_t)n < cap; i++)
			n += snprintf(err + n, cap - (size_t)n, " %s", mmf_builtin_adapter(i)->name);
		if (n > 0 && (size_t)n < cap)
			snprintf(err + n, cap - (size_t)n,
				 "; agents: glibc jemalloc tcmalloc mimalloc when built; or a path to NAME.so)");
		return NULL;
	}
	if (o && o->isolate == MMF_ISOLATE_FORK)
		return isolated(ad, name, &ro, err, cap);
	return ad;
}
