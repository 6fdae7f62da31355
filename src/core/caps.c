// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "capdiet/core/caps.h"

#define NAME_MAX_LEN 64

/*
 * The names capdiet reads and prints, numbered as in linux/capability.h
 * up to CAP_CHECKPOINT_RESTORE (40), with the CAP_ prefix (caps__name()
 * skips it).  Elsewhere capdiet uses libcap for what it is for (process
 * and file capability sets), and the rule was libcap for names too; issue
 * 13 overrides that for names: libcap's list and the kernel's last
 * capability differ between CI runners, and the same manifest must get
 * the same verdict on every one of them.  A newer capability is printed by
 * number (cap_41) and is no name a manifest may use.
 */
static const char *const full_names[] = {
	[CAP_CHOWN] = "CAP_CHOWN",
	[CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
	[CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
	[CAP_FOWNER] = "CAP_FOWNER",
	[CAP_FSETID] = "CAP_FSETID",
	[CAP_KILL] = "CAP_KILL",
	[CAP_SETGID] = "CAP_SETGID",
	[CAP_SETUID] = "CAP_SETUID",
	[CAP_SETPCAP] = "CAP_SETPCAP",
	[CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
	[CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
	[CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
	[CAP_NET_ADMIN] = "CAP_NET_ADMIN",
	[CAP_NET_RAW] = "CAP_NET_RAW",
	[CAP_IPC_LOCK] = "CAP_IPC_LOCK",
	[CAP_IPC_OWNER] = "CAP_IPC_OWNER",
	[CAP_SYS_MODULE] = "CAP_SYS_MODULE",
	[CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
	[CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
	[CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
	[CAP_SYS_PACCT] = "CAP_SYS_PACCT",
	[CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
	[CAP_SYS_BOOT] = "CAP_SYS_BOOT",
	[CAP_SYS_NICE] = "CAP_SYS_NICE",
	[CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
	[CAP_SYS_TIME] = "CAP_SYS_TIME",
	[CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
	[CAP_MKNOD] = "CAP_MKNOD",
	[CAP_LEASE] = "CAP_LEASE",
	[CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
	[CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
	[CAP_SETFCAP] = "CAP_SETFCAP",
	[CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
	[CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
	[CAP_SYSLOG] = "CAP_SYSLOG",
	[CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
	[CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
	[CAP_AUDIT_READ] = "CAP_AUDIT_READ",
	[CAP_PERFMON] = "CAP_PERFMON",
	[CAP_BPF] = "CAP_BPF",
	[CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

#define CAPS_KNOWN ((int)(sizeof(full_names) / sizeof(full_names[0])))
_Static_assert(CAPS_KNOWN == 41, "one name for each capability up to CHECKPOINT_RESTORE");

/* "cap_41": a capability newer than the table, by number. */
static char numbered[64][8];

int caps__last_cap(void)
{
	return CAPS_KNOWN - 1;
}

capset_t caps__all(void)
{
	int last = caps__last_cap();

	return last >= 63 ? ~(capset_t)0 : (CAPSET_BIT(last + 1) - 1);
}

bool caps__has(capset_t set, int cap)
{
	return cap >= 0 && cap < 64 && (set & CAPSET_BIT(cap));
}

int caps__count(capset_t set)
{
	return __builtin_popcountll(set);
}

/* Trims the *len bytes at s; returns the start and shortens *len. */
static const char *trim_span(const char *s, size_t *len)
{
	size_t n = *len;

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

static const char *trim(const char *s, size_t *len)
{
	*len = strlen(s);
	return trim_span(s, len);
}

int caps__parse_name(const char *name)
{
	size_t len;
	const char *s = trim(name, &len);

	if (len >= 4 && strncasecmp(s, "cap_", 4) == 0) {
		s += 4;
		len -= 4;
	}
	if (len == 0 || len > NAME_MAX_LEN)
		return -EINVAL;
	if (len == 3 && strncasecmp(s, "all", 3) == 0)
		return -EDOM;
	for (int cap = 0; cap < CAPS_KNOWN; cap++) {
		const char *known = full_names[cap] + 4;

		if (strlen(known) == len && !strncasecmp(known, s, len))
			return cap;
	}
	return -EINVAL; /* numbers ("cap_41") are not names either */
}

/*
 * containerd builds a drop's name as "CAP_" + upper case(name) and
 * compares it exactly: a blank or a CAP_ of the manifest's own makes a
 * name that matches nothing, so the drop drops nothing.
 */
bool caps__name_is_bare(const char *name)
{
	size_t len = strlen(name);

	if (len && (isspace((unsigned char)name[0]) || isspace((unsigned char)name[len - 1])))
		return false;
	return strncasecmp(name, "cap_", 4) != 0;
}

int caps__add_name(capset_t *set, const char *name)
{
	int cap = caps__parse_name(name);

	if (cap == -EDOM) {
		*set |= caps__all();
		return 0;
	}
	if (cap < 0)
		return cap;
	*set |= CAPSET_BIT(cap);
	return 0;
}

/* The whole list is NONE (any case, blanks around it): the empty set,
 * the word a command line needs where "" is awkward. */
static bool list__is_none(const char *list)
{
	size_t len = strlen(list);
	const char *word = trim_span(list, &len);

	return len == 4 && !strncasecmp(word, "none", 4);
}

int caps__parse_list(const char *list, capset_t *set, char *bad, size_t bad_len)
{
	capset_t result = 0;
	const char *p = list;

	while (*p && !list__is_none(list)) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		size_t tlen = len;
		const char *name = trim_span(p, &tlen);
		char item[NAME_MAX_LEN * 2];

		/* Trimmed before the copy: padding must not push a name out of
		 * item and leave only blanks, which would skip it. */
		snprintf(item, sizeof(item), "%.*s", (int)tlen, name);
		/* Tolerate "A,,B" and a trailing comma, not a bad name. */
		if (tlen && (tlen >= sizeof(item) || caps__add_name(&result, item) != 0)) {
			if (bad && bad_len)
				snprintf(bad, bad_len, "%.*s", (int)len, p);
			return -EINVAL;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	*set = result;
	return 0;
}

const char *caps__full_name(int cap)
{
	if (cap < 0 || cap >= 64)
		return NULL;
	if (cap < CAPS_KNOWN)
		return full_names[cap];
	if (!numbered[cap][0])
		snprintf(numbered[cap], sizeof(numbered[cap]), "cap_%d", cap);
	return numbered[cap];
}

const char *caps__name(int cap)
{
	const char *full = caps__full_name(cap);

	return full && cap < CAPS_KNOWN ? full + 4 : full;
}

char *caps__format(capset_t set, const char *sep, bool cap_prefix)
{
	size_t size = 1, used = 0;
	char *out;

	for (int cap = 0; cap < 64; cap++)
		if (caps__has(set, cap))
			size += NAME_MAX_LEN + 4 + strlen(sep);
	out = malloc(size);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (int cap = 0; cap < 64; cap++) {
		const char *n;

		if (!caps__has(set, cap))
			continue;
		n = cap_prefix ? caps__full_name(cap) : caps__name(cap);
		used += snprintf(out + used, size - used, "%s%s",
				 used ? sep : "", n ? n : "?");
	}
	return out;
}

int caps__parse_hex(const char *hex, capset_t *set)
{
	char *end;
	unsigned long long v;

	if (!hex || !*hex)
		return -EINVAL;
	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	if (!isxdigit((unsigned char)*hex))
		return -EINVAL;
	errno = 0;
	v = strtoull(hex, &end, 16);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	*set = v;
	return 0;
}

capset_t caps__docker_default(void)
{
	return CAPSET_BIT(CAP_CHOWN) | CAPSET_BIT(CAP_DAC_OVERRIDE) |
	       CAPSET_BIT(CAP_FSETID) | CAPSET_BIT(CAP_FOWNER) |
	       CAPSET_BIT(CAP_MKNOD) | CAPSET_BIT(CAP_NET_RAW) |
	       CAPSET_BIT(CAP_SETGID) | CAPSET_BIT(CAP_SETUID) |
	       CAPSET_BIT(CAP_SETFCAP) | CAPSET_BIT(CAP_SETPCAP) |
	       CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_SYS_CHROOT) |
	       CAPSET_BIT(CAP_KILL) | CAPSET_BIT(CAP_AUDIT_WRITE);
}

capset_t caps__podman_default(void)
{
	return caps__docker_default() & ~(CAPSET_BIT(CAP_MKNOD) |
					  CAPSET_BIT(CAP_NET_RAW) |
					  CAPSET_BIT(CAP_AUDIT_WRITE));
}

static const char *const descriptions[] = {
	[CAP_CHOWN] = "change the owner and group of any file",
	[CAP_DAC_OVERRIDE] = "bypass file read, write and execute permission checks",
	[CAP_DAC_READ_SEARCH] = "bypass file read and directory search checks; open_by_handle_at",
	[CAP_FOWNER] = "act as the owner of any file (chmod, utimes, ACLs, sticky dirs)",
	[CAP_FSETID] = "keep set-user/group-ID bits when changing a file",
	[CAP_KILL] = "send signals to processes of other users",
	[CAP_SETGID] = "change group IDs and supplementary groups",
	[CAP_SETUID] = "change user IDs",
	[CAP_SETPCAP] = "change capability sets and the bounding set",
	[CAP_LINUX_IMMUTABLE] = "set immutable and append-only file attributes",
	[CAP_NET_BIND_SERVICE] = "bind to ports below 1024",
	[CAP_NET_BROADCAST] = "broadcast and listen to multicast",
	[CAP_NET_ADMIN] = "configure interfaces, routes, firewall and sockets",
	[CAP_NET_RAW] = "use raw and packet sockets (spoofing, sniffing)",
	[CAP_IPC_LOCK] = "lock memory (mlock, huge pages)",
	[CAP_IPC_OWNER] = "bypass System V IPC permission checks",
	[CAP_SYS_MODULE] = "load and unload kernel modules",
	[CAP_SYS_RAWIO] = "raw I/O: ioperm, /dev/mem, FIBMAP",
	[CAP_SYS_CHROOT] = "use chroot",
	[CAP_SYS_PTRACE] = "trace and inspect any process",
	[CAP_SYS_PACCT] = "configure process accounting",
	[CAP_SYS_ADMIN] = "mount, namespaces, many device and system operations",
	[CAP_SYS_BOOT] = "reboot and load a new kernel",
	[CAP_SYS_NICE] = "raise priority and set real-time scheduling of any process",
	[CAP_SYS_RESOURCE] = "override resource limits and reserved space",
	[CAP_SYS_TIME] = "set the system clock",
	[CAP_SYS_TTY_CONFIG] = "configure terminals (vhangup)",
	[CAP_MKNOD] = "create device files",
	[CAP_LEASE] = "take leases on files it does not own",
	[CAP_AUDIT_WRITE] = "write records to the kernel audit log",
	[CAP_AUDIT_CONTROL] = "configure kernel auditing",
	[CAP_SETFCAP] = "set file capabilities",
	[CAP_MAC_OVERRIDE] = "override mandatory access control",
	[CAP_MAC_ADMIN] = "configure mandatory access control",
	[CAP_SYSLOG] = "privileged syslog operations; see kernel addresses",
	[CAP_WAKE_ALARM] = "set alarms that wake the system",
	[CAP_BLOCK_SUSPEND] = "block system suspend",
	[CAP_AUDIT_READ] = "read the audit log over netlink",
	[CAP_PERFMON] = "use performance monitoring and observability",
	[CAP_BPF] = "use privileged BPF operations",
	[CAP_CHECKPOINT_RESTORE] = "checkpoint/restore operations (set_tid, map_files)",
};

const char *caps__describe(int cap)
{
	if (cap < 0 || (size_t)cap >= sizeof(descriptions) / sizeof(descriptions[0]) ||
	    !descriptions[cap])
		return "(no description)";
	return descriptions[cap];
}

/* Most dangerous first: what would make escape or host takeover easiest. */
static const int danger_order[] = {
	CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_PTRACE,
	CAP_DAC_READ_SEARCH, CAP_BPF, CAP_PERFMON, CAP_MAC_ADMIN,
	CAP_MAC_OVERRIDE, CAP_NET_ADMIN, CAP_SYS_BOOT, CAP_SYS_TIME,
	CAP_SETFCAP, CAP_SETPCAP, CAP_DAC_OVERRIDE, CAP_SETUID, CAP_SETGID,
	CAP_CHECKPOINT_RESTORE, CAP_SYSLOG, CAP_AUDIT_CONTROL, CAP_NET_RAW,
	CAP_MKNOD, CAP_FOWNER, CAP_CHOWN, CAP_FSETID, CAP_SYS_RESOURCE,
	CAP_SYS_NICE, CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_LINUX_IMMUTABLE,
	CAP_KILL, CAP_SYS_CHROOT, CAP_SYS_PACCT, CAP_SYS_TTY_CONFIG,
	CAP_LEASE, CAP_AUDIT_READ, CAP_AUDIT_WRITE, CAP_NET_BROADCAST,
	CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_NET_BIND_SERVICE,
};

size_t caps__by_danger(capset_t set, int *out, size_t n)
{
	capset_t seen = 0;
	size_t k = 0;

	for (size_t i = 0; i < sizeof(danger_order) / sizeof(danger_order[0]); i++) {
		int cap = danger_order[i];

		seen |= CAPSET_BIT(cap);
		if (caps__has(set, cap) && k < n)
			out[k++] = cap;
	}
	/* Capabilities newer than this table come last. */
	for (int cap = 0; cap < 64 && k < n; cap++)
		if (caps__has(set, cap) && !(seen & CAPSET_BIT(cap)))
			out[k++] = cap;
	return k;
}
