// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "capdiet/core/emit.h"
#include "capdiet/core/log.h"
#include "capdiet/core/user.h"
#include "capdiet/policy/export.h"

/* Who the profile runs as, resolved on this machine where possible. */
struct export_user {
	bool root;
	char user[128];        /* as written in the profile */
	char group[128];       /* "" when the profile names none */
	bool has_uid, has_gid;
	unsigned long uid, gid;
};

static bool export__number(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	*out = strtoul(s, &end, 10);
	return !*end;
}

static void export__resolve_ids(struct export_user *u)
{
	struct passwd *pw = NULL;
	struct group *gr;

	u->has_uid = export__number(u->user, &u->uid);
	if (!u->has_uid && (pw = getpwnam(u->user))) {
		u->uid = pw->pw_uid;
		u->has_uid = true;
	}
	if (u->group[0]) {
		u->has_gid = export__number(u->group, &u->gid);
		if (!u->has_gid && (gr = getgrnam(u->group))) {
			u->gid = gr->gr_gid;
			u->has_gid = true;
		}
	} else if (pw) {
		u->gid = pw->pw_gid;
		u->has_gid = true;
	}
}

static void export__user(const struct profile *p, struct export_user *u)
{
	const char *group;
	size_t user_len;

	memset(u, 0, sizeof(*u));
	if (!p->user || !*p->user) {
		u->root = true;
		return;
	}
	user_spec__split(p->user, &user_len, &group);
	snprintf(u->user, sizeof(u->user), "%.*s", (int)user_len, p->user);
	if (group)
		snprintf(u->group, sizeof(u->group), "%s", group);
	export__resolve_ids(u);
	u->root = !strcmp(u->user, "root") || (u->has_uid && u->uid == 0);
}

static const char *export__name(const struct profile *p)
{
	return p->name && *p->name ? p->name : "service";
}

/*
 * s as it may stand in a comment line: a control character (a newline
 * would start a line of its own) or a backslash (which continues a systemd
 * line) becomes '?'.  EXPORT_CLEAN(s) gives it a buffer of its own.
 */
static const char *export__clean(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\' ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

#define EXPORT_CLEAN(s) export__clean((s), (char[256]){ 0 }, 256)

/* Non-root and capabilities: only the ambient set carries them over execve. */
static bool export__needs_ambient(const struct profile *p, const struct export_user *u)
{
	return !u->root && p->caps != 0;
}

static int export__finish(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/* ---- docker, podman ---- */

static void export__cap_flags(const struct profile *p, FILE *out)
{
	fputs("--cap-drop=ALL", out);
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(p->caps, cap) && caps__name(cap))
			fprintf(out, " --cap-add=%s", caps__name(cap));
	fputc('\n', out);
}

static int export__docker(const struct profile *p, const struct export_user *u, FILE *out)
{
	/* stdout stays one line of flags, so the note goes to stderr. */
	if (export__needs_ambient(p, u))
		log_warn("%s runs as user '%s': Docker does not set the ambient set, so a "
			 "non-root container gets none of these capabilities unless the binary "
			 "has file capabilities (setcap); run it as root or add them with setcap",
			 export__name(p), u->user);
	export__cap_flags(p, out);
	return export__finish(out);
}

static int export__podman(const struct profile *p, const struct export_user *u, FILE *out)
{
	char *names = caps__format(p->caps, "\", \"", false);

	if (!names)
		return -ENOMEM;
	export__cap_flags(p, out);
	fprintf(out, "# containers.conf, [containers] section: default_capabilities = [%s%s%s]\n",
		*names ? "\"" : "", names, *names ? "\"" : "");
	if (export__needs_ambient(p, u))
		fprintf(out, "# %s runs as user '%s': Podman 3.0 and later put --cap-add "
			"capabilities in the ambient set of a non-root --user; older Podman does "
			"not, and the process then gets none of them without file capabilities.\n",
			EXPORT_CLEAN(export__name(p)), EXPORT_CLEAN(u->user));
	free(names);
	return export__finish(out);
}

/* ---- compose, k8s (YAML), oci (JSON) ---- */

typedef int (*export_body_fn)(const struct profile *p, const struct export_user *u,
			      struct emit *e);

/* Emits one YAML or JSON document through the emitter, so quoting is right. */
static int export__document(const struct profile *p, const struct export_user *u,
			    export_body_fn body, enum emit_format format, FILE *out)
{
	struct emit e;
	int err = emit__begin(&e, out, format);

	if (err)
		return err;
	err = body(p, u, &e);
	if (err) {
		emit__abort(&e);
		return err;
	}
	err = emit__end(&e);
	return err ?: export__finish(out);
}

static int export__emit_key_caps(struct emit *e, const char *key, capset_t set,
				 bool full_names)
{
	int err = emit__plain(e, key);

	return err ? err : emit__caps(e, set, full_names);
}

/* key: [ALL] */
static int export__emit_drop_all(struct emit *e, const char *key)
{
	int err = emit__plain(e, key);

	err = err ?: emit__seq_start(e, true);
	err = err ?: emit__plain(e, "ALL");
	return err ?: emit__seq_end(e);
}

static void export__ambient_comment(const struct profile *p, const struct export_user *u,
				    const char *runtime, FILE *out)
{
	if (export__needs_ambient(p, u))
		fprintf(out, "# WARNING: %s runs as user '%s', and %s does not set the ambient "
			"set: a non-root process gets none of these capabilities unless the binary "
			"has file capabilities (setcap). Run it as root with these capabilities, or "
			"add them to the binary.\n", EXPORT_CLEAN(export__name(p)),
			EXPORT_CLEAN(u->user), runtime);
}

static int export__compose_body(const struct profile *p, const struct export_user *u,
				struct emit *e)
{
	int err = emit__map_start(e, false);

	err = err ?: emit__plain(e, "services");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__str(e, export__name(p));
	err = err ?: emit__map_start(e, false);
	err = err ?: export__emit_drop_all(e, "cap_drop");
	err = err ?: export__emit_key_caps(e, "cap_add", p->caps, false);
	if (!u->root) {
		err = err ?: emit__plain(e, "user");
		err = err ?: emit__str(e, p->user);
	}
	err = err ?: emit__map_end(e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}


/* Which Pod Security level admits these added capabilities. */
static const char *export__pod_security_level(capset_t caps)
{
	capset_t baseline = caps__docker_default() & ~CAPSET_BIT(CAP_NET_RAW);

	if (!(caps & ~CAPSET_BIT(CAP_NET_BIND_SERVICE)))
		return "restricted";
	return (caps & ~baseline) ? "privileged" : "baseline";
}

static void export__k8s_comments(const struct profile *p, const struct export_user *u, FILE *out)
{
	fprintf(out, "# capdiet profile %s: securityContext of its container "
		"(spec.containers[] in a Pod, spec.template.spec.containers[] in a Deployment)\n",
		EXPORT_CLEAN(export__name(p)));
	fprintf(out, "# these capabilities fit the Pod Security '%s' level\n",
		export__pod_security_level(p->caps));
	export__ambient_comment(p, u, "Kubernetes", out);
	if (!u->root && !u->has_uid)
		fprintf(out, "# user '%s' is unknown on this machine: set runAsUser to its uid\n",
			EXPORT_CLEAN(u->user));
	if (!u->root && u->group[0] && !u->has_gid)
		fprintf(out, "# group '%s' is unknown on this machine: set runAsGroup to its gid\n",
			EXPORT_CLEAN(u->group));
	if (caps__has(p->caps, CAP_SYS_ADMIN))
		fprintf(out, "# allowPrivilegeEscalation is left out: with SYS_ADMIN it is no "
			"boundary (Kubernetes treats it as true)\n");
}

static int export__k8s_user(const struct export_user *u, struct emit *e)
{
	int err = 0;

	if (u->root)
		return 0;
	err = err ?: emit__plain(e, "runAsNonRoot");
	err = err ?: emit__bool(e, true);
	if (u->has_uid) {
		err = err ?: emit__plain(e, "runAsUser");
		err = err ?: emit__uint(e, u->uid);
	}
	if (u->group[0] && u->has_gid) {
		err = err ?: emit__plain(e, "runAsGroup");
		err = err ?: emit__uint(e, u->gid);
	}
	return err;
}

static int export__k8s_body(const struct profile *p, const struct export_user *u,
			    struct emit *e)
{
	int err = emit__map_start(e, false);

	err = err ?: emit__plain(e, "securityContext");
	err = err ?: emit__map_start(e, false);
	if (!caps__has(p->caps, CAP_SYS_ADMIN)) {
		err = err ?: emit__plain(e, "allowPrivilegeEscalation");
		err = err ?: emit__bool(e, false);
	}
	err = err ?: emit__plain(e, "capabilities");
	err = err ?: emit__map_start(e, false);
	err = err ?: export__emit_drop_all(e, "drop");
	err = err ?: export__emit_key_caps(e, "add", p->caps, false);
	err = err ?: emit__map_end(e);
	err = err ?: export__k8s_user(u, e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}


/* ---- oci (JSON) ---- */

/*
 * process.capabilities.  A root process gets permitted = bounding on execve;
 * a non-root one keeps only its ambient set, which must also be in
 * permitted and inheritable.
 */
static int export__oci_body(const struct profile *p, const struct export_user *u,
			    struct emit *e)
{
	capset_t carried = u->root ? 0 : p->caps;
	int err = emit__map_start(e, true);

	err = err ?: export__emit_key_caps(e, "bounding", p->caps, true);
	err = err ?: export__emit_key_caps(e, "effective", p->caps, true);
	err = err ?: export__emit_key_caps(e, "inheritable", carried, true);
	err = err ?: export__emit_key_caps(e, "permitted", p->caps, true);
	err = err ?: export__emit_key_caps(e, "ambient", carried, true);
	return err ?: emit__map_end(e);
}

static void export__oci_warn(const struct profile *p, const struct export_user *u)
{
	/* JSON has no comments: what the snippet leaves out goes to stderr. */
	if (u->root)
		return;
	if (u->has_uid && u->has_gid)
		log_warn("%s runs as user '%s': this is only process.capabilities; also set "
			 "process.user to {\"uid\": %lu, \"gid\": %lu}", export__name(p),
			 p->user, u->uid, u->gid);
	else
		log_warn("%s runs as user '%s', unknown on this machine: this is only "
			 "process.capabilities; also set process.user to its uid and gid",
			 export__name(p), p->user);
}

/* ---- systemd ---- */

/* A User=/Group= value systemd reads as one plain name: letters, digits,
 * "._-", not starting with '-' (no blank, %-specifier or line break). */
static bool export__systemd_ident(const char *s, size_t max)
{
	if (!*s || *s == '-' || strlen(s) >= max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

/* The unit's name ("web.service") from the profile's unit path, when it is
 * one systemd accepts; NULL otherwise. */
static const char *export__unit_name(const struct profile *p)
{
	const char *base = p->unit ? strrchr(p->unit, '/') : NULL;
	size_t n;

	base = base ? base + 1 : p->unit;
	n = base ? strlen(base) : 0;
	if (n <= strlen(".service") || n > 255 || strcmp(base + n - 8, ".service"))
		return NULL;
	for (const char *c = base; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(":_.\\@-", *c))
			return NULL;
	return base;
}

/* Refuses, before any output, what would not stay on its own line. */
static int export__systemd_check(const struct profile *p, const struct export_user *u)
{
	if (p->unit && !export__unit_name(p)) {
		log_error("the profile's unit '%s' is not a systemd service unit name "
			  "(NAME.service); fix 'unit:' in the profile", EXPORT_CLEAN(p->unit));
		return -EBADMSG;
	}
	/* u holds copies cut at its buffers' size: a longer one is refused. */
	if (!u->root && (strlen(p->user) >= sizeof(u->user) ||
			 !export__systemd_ident(u->user, sizeof(u->user)) ||
			 (u->group[0] && !export__systemd_ident(u->group, sizeof(u->group))))) {
		log_error("the profile's user '%s' cannot be written as User=/Group= (letters, "
			  "digits, '.', '_', '-'); fix 'user:' in the profile",
			  EXPORT_CLEAN(p->user));
		return -EBADMSG;
	}
	return 0;
}

static void export__systemd_header(const struct profile *p, FILE *out)
{
	const char *unit = export__unit_name(p);

	if (!unit) {
		fprintf(out, "# capdiet profile %s: unit section or drop-in (systemctl edit "
			"UNIT)\n[Service]\n", EXPORT_CLEAN(export__name(p)));
		return;
	}
	fprintf(out, "# capdiet profile %s: a drop-in for %s, to use as is:\n"
		"#   /etc/systemd/system/%s.d/capdiet.conf (or: systemctl edit %s)\n"
		"# then: systemctl daemon-reload && systemctl restart %s\n[Service]\n",
		EXPORT_CLEAN(export__name(p)), unit, unit, unit, unit);
}

static int export__systemd(const struct profile *p, const struct export_user *u, FILE *out)
{
	char *names = caps__format(p->caps, " ", true);
	int err = names ? export__systemd_check(p, u) : -ENOMEM;

	if (err)
		goto cleanup;
	export__systemd_header(p, out);
	if (!p->caps)
		fputs("# An empty CapabilityBoundingSet= drops every capability.\n"
		      "CapabilityBoundingSet=\n", out);
	else
		fprintf(out, "# Assignments add up; the empty one first resets what the unit "
			"set before.\nCapabilityBoundingSet=\nCapabilityBoundingSet=%s\n", names);
	/* The bounding set does not limit what the ambient (and, for root, the
	 * inheritable) set carries over execve: the unit's own
	 * AmbientCapabilities= must go too. */
	fprintf(out, "AmbientCapabilities=\n");
	if (!u->root) {
		/* Without the ambient set a non-root service keeps nothing. */
		if (p->caps)
			fprintf(out, "AmbientCapabilities=%s\n", names);
		fprintf(out, "User=%s\n", u->user);
		if (u->group[0])
			fprintf(out, "Group=%s\n", u->group);
	}
	err = export__finish(out);
cleanup:
	free(names);
	return err;
}

/* ---- Podman: image label, containers.conf ---- */

/* What Podman makes of the set, as comments (seen with Podman 4.3.1). */
static void export__podman_notes(const struct profile *p, const struct export_user *u,
				 const char *what, FILE *out)
{
	char *extra = caps__format(p->caps & ~caps__podman_default(), ",", false);

	if (extra && *extra && !strcmp(what, "label"))
		fprintf(out, "# %s is not in Podman's default set: Podman then refuses the "
			"label (it logs an error) and runs the container with its defaults; add "
			"it with --cap-add, or make it default (export --format containers-conf)\n",
			extra);
	if (!u->root && p->caps)
		fprintf(out, "# %s runs as user '%s': Podman gives a non-root process only "
			"what --cap-add names (in its ambient set); a %s only bounds it. Run it "
			"as root, or use --cap-add.\n", EXPORT_CLEAN(export__name(p)),
			EXPORT_CLEAN(u->user), what);
	free(extra);
}

static int export__label(const struct profile *p, const struct export_user *u, FILE *out)
{
	char *names = caps__format(p->caps, ",", true);

	if (!names)
		return -ENOMEM;
	fprintf(out, "# capdiet profile %s: Containerfile line; Podman runs the image with "
		"only these capabilities\n", EXPORT_CLEAN(export__name(p)));
	if (!p->caps)
		fprintf(out, "# An empty value means none from Podman 4.7 on; earlier Podman "
			"refuses it (\"unknown capability\") and the container does not start\n");
	export__podman_notes(p, u, "label", out);
	fprintf(out, "LABEL io.containers.capabilities=\"%s\"\n", names);
	free(names);
	return export__finish(out);
}

static int export__containers_conf(const struct profile *p, const struct export_user *u,
				   FILE *out)
{
	fprintf(out, "# capdiet profile %s: containers.conf fragment; makes this set Podman's "
		"default for every container of the host:\n"
		"#   /etc/containers/containers.conf.d/capdiet.conf (rootless: "
		"~/.config/containers/containers.conf.d/capdiet.conf)\n",
		EXPORT_CLEAN(export__name(p)));
	export__podman_notes(p, u, "default list", out);
	fputs("[containers]\ndefault_capabilities = [", out);
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(p->caps, cap) && caps__full_name(cap))
			fprintf(out, "\n  \"%s\",", caps__full_name(cap));
	fputs(p->caps ? "\n]\n" : "]\n", out);
	return export__finish(out);
}

/* ---- dispatch ---- */

static const struct {
	const char *name;
	enum export_format format;
} export_formats[] = {
	{ "docker", EXPORT_DOCKER }, { "podman", EXPORT_PODMAN },
	{ "compose", EXPORT_COMPOSE }, { "k8s", EXPORT_K8S },
	{ "kubernetes", EXPORT_K8S }, { "oci", EXPORT_OCI },
	{ "systemd", EXPORT_SYSTEMD }, { "label", EXPORT_LABEL },
	{ "containers-conf", EXPORT_CONTAINERS_CONF },
};

int export__parse_format(const char *name, enum export_format *out)
{
	for (size_t i = 0; i < sizeof(export_formats) / sizeof(export_formats[0]); i++) {
		if (!strcmp(name, export_formats[i].name)) {
			*out = export_formats[i].format;
			return 0;
		}
	}
	return -EINVAL;
}

const char *export__format_names(void)
{
	return "docker, podman, compose, k8s, oci, systemd, label, containers-conf";
}

int export__write(const struct profile *p, enum export_format f, FILE *out)
{
	struct export_user u;

	export__user(p, &u);
	switch (f) {
	case EXPORT_DOCKER:
		return export__docker(p, &u, out);
	case EXPORT_PODMAN:
		return export__podman(p, &u, out);
	case EXPORT_COMPOSE:
		fprintf(out, "# capdiet profile %s: Compose service snippet\n",
			EXPORT_CLEAN(export__name(p)));
		export__ambient_comment(p, &u, "Compose (Docker)", out);
		return export__document(p, &u, export__compose_body, EMIT_YAML, out);
	case EXPORT_K8S:
		export__k8s_comments(p, &u, out);
		return export__document(p, &u, export__k8s_body, EMIT_YAML, out);
	case EXPORT_OCI:
		export__oci_warn(p, &u);
		return export__document(p, &u, export__oci_body, EMIT_JSON, out);
	case EXPORT_SYSTEMD:
		return export__systemd(p, &u, out);
	case EXPORT_LABEL:
		return export__label(p, &u, out);
	case EXPORT_CONTAINERS_CONF:
		return export__containers_conf(p, &u, out);
	}
	return -EINVAL;
}
