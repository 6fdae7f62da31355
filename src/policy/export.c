// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "capdiet/core/emit.h"
#include "capdiet/core/log.h"
#include "capdiet/core/user.h"
#include "capdiet/policy/export.h"
#include "export_internal.h"

static bool export__number(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	*out = strtoul(s, &end, 10);
	return !*end;
}

/*
 * Only numbers are ids: a name means what the image's (or the target
 * host's) /etc/passwd says, and this machine's, which ran export, may say
 * something else or nothing.  Exports say to set the id instead.
 */
static void export__resolve_ids(struct export_user *u)
{
	u->has_uid = export__number(u->user, &u->uid);
	if (u->group[0])
		u->has_gid = export__number(u->group, &u->gid);
}

void export__user(const struct profile *p, struct export_user *u)
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

const char *export__name(const struct profile *p)
{
	return p->name && *p->name ? p->name : "service";
}

const char *export__clean(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\' ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

bool export__needs_ambient(const struct profile *p, const struct export_user *u)
{
	return !u->root && p->caps != 0;
}

bool export__no_new_privs_ok(const struct profile *p, const struct export_user *u)
{
	return !export__needs_ambient(p, u);
}

int export__finish(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/* Why a profile's set may be short of what the service needs; NULL: it is not. */
static const char *export__doubt(const struct profile *p)
{
	if (!p->complete)
		return "incomplete (the run was interrupted, or the recorder lost decisions)";
	if (p->degraded)
		return "degraded (accepted with operations failing)";
	return NULL;
}

int export__admit(const struct profile *p, const struct export_options *o)
{
	const char *doubt = export__doubt(p);

	if (!doubt)
		return 0;
	if (!o->force) {
		log_error("profile %s is %s: its set may lack what the service needs; learn it "
			  "again with capdiet run, or export it anyway with --force",
			  EXPORT_CLEAN(export__name(p)), doubt);
		return -EBADMSG;
	}
	log_warn("exporting profile %s although it is %s (--force)",
		 EXPORT_CLEAN(export__name(p)), doubt);
	return 0;
}

void export__forced_comment(const struct profile *p, FILE *out)
{
	const char *doubt = export__doubt(p);

	if (doubt)
		fprintf(out, "# WARNING: exported with --force: profile %s is %s; its set may "
			"lack what the service needs\n", EXPORT_CLEAN(export__name(p)), doubt);
}

/* ---- docker, podman ---- */

/* A --user value the shell reads as one word, pasted or through $(...). */
static int export__check_user_word(const struct profile *p, const struct export_user *u)
{
	if (u->root || user_spec__valid_text(p->user))
		return 0;
	log_error("the profile's user '%s' cannot be written as --user (USER[:GROUP] of "
		  "letters, digits, '.', '_', '-', or ids); fix 'user:' in the profile",
		  EXPORT_CLEAN(p->user));
	return -EBADMSG;
}

/* --cap-drop=ALL --cap-add=... [--user=U] [--security-opt=no-new-privileges] */
static void export__run_flags(const struct profile *p, const struct export_user *u, FILE *out)
{
	fputs("--cap-drop=ALL", out);
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(p->caps, cap) && caps__name(cap))
			fprintf(out, " --cap-add=%s", caps__name(cap));
	if (!u->root)
		fprintf(out, " --user=%s", p->user);
	if (export__no_new_privs_ok(p, u))
		fputs(" --security-opt=no-new-privileges", out);
	fputc('\n', out);
}

static int export__docker(const struct profile *p, const struct export_user *u, FILE *out)
{
	int err = export__check_user_word(p, u);

	if (err)
		return err;
	/* stdout stays one line of flags, so the notes go to stderr. */
	if (export__needs_ambient(p, u))
		log_warn("%s runs as user '%s': Docker does not set the ambient set, so a "
			 "non-root container gets none of these capabilities unless the binary "
			 "has file capabilities (setcap); run it as root or add them with setcap "
			 "(no-new-privileges is left out: it would make file capabilities inert)",
			 EXPORT_CLEAN(export__name(p)), EXPORT_CLEAN(u->user));
	export__run_flags(p, u, out);
	return export__finish(out);
}

static int export__podman(const struct profile *p, const struct export_user *u, FILE *out)
{
	char *names;

	if (export__check_user_word(p, u))
		return -EBADMSG;
	names = caps__format(p->caps, "\", \"", false);
	if (!names)
		return -ENOMEM;
	export__run_flags(p, u, out);
	export__forced_comment(p, out);
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

/* ---- YAML and JSON documents ---- */

int export__emit_document(export_body_fn body, const void *ctx, enum emit_format format,
			  FILE *out)
{
	struct emit e;
	int err = emit__begin(&e, out, format);

	if (err)
		return err;
	err = body(ctx, &e);
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

int export__emit_drop_all(struct emit *e, const char *key)
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

/* ---- compose: an override file ---- */

struct export_job {
	const struct profile *p;
	const struct export_user *u;
	const struct export_options *o;
};

static const char *export__service(const struct export_job *j)
{
	return j->o->container ? j->o->container : export__name(j->p);
}

static int export__compose_service(const struct export_job *j, struct emit *e)
{
	int err = export__emit_drop_all(e, "cap_drop");

	/* Compose merges cap_add lists of several files into one: !override
	 * replaces the base file's list instead. */
	err = err ?: emit__plain(e, "cap_add");
	err = err ?: emit__seq_start_tagged(e, "!override", true);
	for (int cap = 0; cap < 64 && !err; cap++)
		if (caps__has(j->p->caps, cap) && caps__name(cap))
			err = emit__plain(e, caps__name(cap));
	err = err ?: emit__seq_end(e);
	err = err ?: emit__kv_bool(e, "privileged", false);
	if (export__no_new_privs_ok(j->p, j->u)) {
		err = err ?: emit__plain(e, "security_opt");
		err = err ?: emit__seq_start(e, true);
		err = err ?: emit__str(e, "no-new-privileges:true");
		err = err ?: emit__seq_end(e);
	}
	if (!j->u->root) {
		err = err ?: emit__plain(e, "user");
		err = err ?: emit__quoted(e, j->p->user);
	}
	return err;
}

static int export__compose_body(const void *ctx, struct emit *e)
{
	const struct export_job *j = ctx;
	int err = emit__map_start(e, false);

	err = err ?: emit__plain(e, "services");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__str(e, export__service(j));
	err = err ?: emit__map_start(e, false);
	err = err ?: export__compose_service(j, e);
	err = err ?: emit__map_end(e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

static int export__compose(const struct export_job *j, FILE *out)
{
	fprintf(out, "# capdiet profile %s: Compose override file for service %s; it replaces "
		"the base file's capabilities (Compose 2.24.4 or later reads !override):\n"
		"#   docker compose -f compose.yaml -f capdiet.override.yaml up\n",
		EXPORT_CLEAN(export__name(j->p)), EXPORT_CLEAN(export__service(j)));
	export__forced_comment(j->p, out);
	export__ambient_comment(j->p, j->u, "Compose (Docker)", out);
	if (!export__no_new_privs_ok(j->p, j->u))
		fputs("# no-new-privileges is left out: it would make the file capabilities a "
		      "non-root process needs inert\n", out);
	return export__emit_document(export__compose_body, j, EMIT_YAML, out);
}

/* ---- oci (JSON) ---- */

/*
 * process.capabilities.  A root process gets permitted = bounding on execve;
 * a non-root one keeps only its ambient set, which must also be in
 * permitted and inheritable.
 */
static int export__oci_body(const void *ctx, struct emit *e)
{
	const struct export_job *j = ctx;
	capset_t carried = j->u->root ? 0 : j->p->caps;
	int err = emit__map_start(e, true);

	err = err ?: export__emit_key_caps(e, "bounding", j->p->caps, true);
	err = err ?: export__emit_key_caps(e, "effective", j->p->caps, true);
	err = err ?: export__emit_key_caps(e, "inheritable", carried, true);
	err = err ?: export__emit_key_caps(e, "permitted", j->p->caps, true);
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
			 "process.user to {\"uid\": %lu, \"gid\": %lu}",
			 EXPORT_CLEAN(export__name(p)), EXPORT_CLEAN(p->user), u->uid, u->gid);
	else
		log_warn("%s runs as user '%s': this is only process.capabilities; also set "
			 "process.user to its uid and gid (numbers, as the bundle's rootfs "
			 "has them)", EXPORT_CLEAN(export__name(p)), EXPORT_CLEAN(p->user));
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
	export__forced_comment(p, out);
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
	export__forced_comment(p, out);
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
	export__forced_comment(p, out);
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
	{ "securitycontext", EXPORT_SECURITY_CONTEXT },
	{ "kyverno", EXPORT_KYVERNO }, { "gatekeeper", EXPORT_GATEKEEPER },
	{ "psa", EXPORT_PSA },
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
	return "docker, podman, compose, k8s, oci, systemd, label, containers-conf, "
	       "securitycontext, kyverno, gatekeeper, psa";
}

bool export__is_policy(enum export_format f)
{
	return f == EXPORT_KYVERNO || f == EXPORT_GATEKEEPER || f == EXPORT_PSA;
}

static int export__policy(const struct profile *p, enum export_format f,
			  const struct export_options *o, FILE *out)
{
	struct export_policy pol;
	int err = export_policy__from_profile(p, o, &pol);

	if (!err)
		err = export_policy__write(&pol, f, out);
	export_policy__clear(&pol);
	return err;
}

static int export__runtime(const struct export_job *j, enum export_format f, FILE *out)
{
	switch (f) {
	case EXPORT_DOCKER:
		return export__docker(j->p, j->u, out);
	case EXPORT_PODMAN:
		return export__podman(j->p, j->u, out);
	case EXPORT_COMPOSE:
		return export__compose(j, out);
	case EXPORT_OCI:
		export__oci_warn(j->p, j->u);
		return export__emit_document(export__oci_body, j, EMIT_JSON, out);
	case EXPORT_SYSTEMD:
		return export__systemd(j->p, j->u, out);
	case EXPORT_LABEL:
		return export__label(j->p, j->u, out);
	case EXPORT_CONTAINERS_CONF:
		return export__containers_conf(j->p, j->u, out);
	default:
		return -EINVAL;
	}
}

int export__write_with(const struct profile *p, enum export_format f,
		       const struct export_options *o, FILE *out)
{
	struct export_user u;
	const struct export_job j = { p, &u, o };
	int err = export__admit(p, o);

	if (err)
		return err;
	export__user(p, &u);
	if (export__is_policy(f))
		return export__policy(p, f, o, out);
	if (f == EXPORT_K8S || f == EXPORT_SECURITY_CONTEXT)
		return export__k8s(p, &u, o, f == EXPORT_K8S, out);
	return export__runtime(&j, f, out);
}

int export__write(const struct profile *p, enum export_format f, FILE *out)
{
	return export__write_with(p, f, &(struct export_options){ 0 }, out);
}
