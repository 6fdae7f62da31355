// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/observe/filecaps.h"
#include "capdiet/observe/syscalls.h"
#include "capdiet/observe/sysevent.h"

static struct observation *add(struct observations *out, int cap, int syscall,
			       const char *name, const char *exe)
{
	struct observation *o = observations__add(out);

	if (!o)
		return NULL;
	o->cap = cap;
	o->syscall = syscall;
	o->count = 1;
	o->preclassified = true;
	snprintf(o->syscall_name, sizeof(o->syscall_name), "%s", name);
	snprintf(o->exe, sizeof(o->exe), "%s", exe);
	return o;
}

static int decode_capset(const struct cd_syskey *key, const struct cd_sysevent *v,
			 const char *exe, struct observations *out)
{
	/* EPERM: permitted beyond the current permitted set, or inheritable
	 * beyond the bounding set; success: what the process kept, when it
	 * kept less than the bounding set (re-setting everything says nothing). */
	capset_t set = key->ret ? (v->asked_permitted & ~v->cur_permitted) |
				  (v->asked_inheritable & ~v->cur_bounding)
				: v->asked_permitted;

	if (key->ret && key->ret != -EPERM)
		return 0; /* EINVAL, EFAULT: a broken call, not a missing capability */
	if (!key->ret && (v->asked_permitted & v->cur_bounding) == v->cur_bounding)
		return 0;

	for (int cap = 0; cap < 64; cap++) {
		struct observation *o;

		if (!caps__has(set, cap))
			continue;
		if (!(o = add(out, cap, key->syscall, "capset", exe)))
			return -ENOMEM;
		o->count = v->count;
		o->first_ns = v->first_ns;
		o->pid = v->pid;
		o->ret = key->ret;
		o->outcome = key->ret ? CD_OUT_SYSCALL_FAILED : CD_OUT_GRANTED;
		o->klass = key->ret ? OBS_REQUIRED : OBS_GRANTED;
		snprintf(o->call_site, sizeof(o->call_site), "cap_capset");
		snprintf(o->reason, sizeof(o->reason), key->ret ?
			 "capset failed with EPERM: it asked for CAP_%s, which the permitted "
			 "set lacks (no capability check is made)" :
			 "kept by capset", caps__name(cap));
	}
	return 0;
}

int sysevent__exec_refused(const char *path, capset_t lacking, int syscall,
			   struct observations *out)
{
	for (int cap = 0; cap < 64; cap++) {
		struct observation *o;

		if (!caps__has(lacking, cap))
			continue;
		if (!(o = add(out, cap, syscall, "execve", path)))
			return -ENOMEM;
		o->outcome = CD_OUT_SYSCALL_FAILED;
		o->ret = -EPERM;
		o->klass = OBS_REQUIRED;
		o->arg_kind = CD_ARG_PATH;
		snprintf(o->arg, sizeof(o->arg), "%s", path);
		snprintf(o->call_site, sizeof(o->call_site), "file capabilities");
		snprintf(o->reason, sizeof(o->reason), "execve failed with EPERM: the file "
			 "carries CAP_%s with the effective bit", caps__name(cap));
	}
	return 0;
}

int sysevent__decode(const struct cd_syskey *key, const struct cd_sysevent *v,
		     const char *exe, struct observations *out)
{
	char path[CD_ARG_MAX + 1];
	capset_t file_caps;
	bool effective;
	size_t first = out->n;
	int err;

	if (key->syscall == syscalls__number("capset"))
		return decode_capset(key, v, exe, out);
	snprintf(path, sizeof(path), "%.*s", CD_ARG_MAX, v->path);
	if (filecaps__read(path, &file_caps, &effective) || !effective)
		return 0;
	err = sysevent__exec_refused(path, file_caps & ~v->cur_bounding, key->syscall, out);
	for (size_t i = first; i < out->n && !err; i++) {
		out->v[i].count = v->count;
		out->v[i].first_ns = v->first_ns;
		out->v[i].pid = v->pid;
	}
	return err;
}
