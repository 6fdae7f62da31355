// SPDX-License-Identifier: MIT
/* run --unit: a systemd service unit turned into what a trial runs. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capdiet/cli/run_unit.h"
#include "capdiet/core/log.h"
#include "capdiet/core/unit_file.h"
#include "capdiet/core/user.h"

struct run_unit {
	struct unit_file *file;
	char *path;       /* the unit's absolute path, for the profile */
	char *name;       /* "web" of web.service: the profile's default name */
	char **argv;      /* ExecStart=, substituted */
	char **envp;      /* what systemd gives the service */
	char *user;       /* "USER[:GROUP]", NULL: root */
	char *cwd;        /* WorkingDirectory=, resolved; "/" by default */
	capset_t limit;   /* the bounding set, every capability when none */
};

int run_unit__check_options(const struct run_opts *o, int n)
{
	const char *clash = NULL;

	if (!o->unit)
		return 0;
	if (n > 0)
		clash = "-- CMD: the command is the unit's ExecStart=";
	else if (o->user)
		clash = "--user: the user is the unit's User=/Group=";
	else if (o->container.bundle || o->container.image)
		clash = o->container.bundle ? "--oci: a unit runs on the host"
					    : "--image: a unit runs on the host";
	if (!clash)
		return 0;
	log_error("--unit excludes %s; leave it out (or edit the unit)", clash);
	return -EINVAL;
}

void run_unit__free(struct run_unit *u)
{
	if (!u)
		return;
	unit_file__free(u->file);
	free(u->path);
	free(u->name);
	unit_file__strv_free(u->argv);
	unit_file__strv_free(u->envp);
	free(u->user);
	free(u->cwd);
	free(u);
}

/* The unit's name without ".service"; its file must be a service unit. */
static int unit_name(struct run_unit *u, const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(base);

	if (n <= 8 || strcmp(base + n - 8, ".service")) {
		log_error("--unit %s: give a service unit, a file named NAME.service", path);
		return EXIT_USAGE;
	}
	u->name = strndup(base, n - 8);
	u->path = realpath(path, NULL);
	return u->name && u->path ? EXIT_OK : EXIT_FAIL;
}

/* User= and Group= as --user would take them, checked on this machine. */
static int unit_user(struct run_unit *u)
{
	const struct unit_file *f = u->file;
	struct user_spec *spec = NULL;
	int err;

	if (!f->user && !f->group)
		return EXIT_OK;
	if (asprintf(&u->user, "%s%s%s", f->user ? f->user : "root", f->group ? ":" : "",
		     f->group ? f->group : "") < 0) {
		u->user = NULL;
		return EXIT_FAIL;
	}
	err = user_spec__parse(u->user, &spec);
	user_spec__free(spec);
	if (err == -ENOMEM)
		return EXIT_FAIL;
	if (err) {
		log_error("%s: User=/Group= '%s': no such user or group on this machine; "
			  "create it or change the unit", f->path, u->user);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* WorkingDirectory=: "~" is the user's home; a missing "-" one, and none
 * at all, is "/" (what systemd's system manager uses). */
static int unit_cwd(struct run_unit *u)
{
	const struct unit_file *f = u->file;
	const char *dir = f->working_dir ? f->working_dir : "/";
	struct stat st;

	if (!strcmp(dir, "~")) {
		const struct passwd *pw = f->user ? getpwnam(f->user) : getpwuid(0);

		dir = unit_file__getenv(u->envp, "HOME") ?: (pw ? pw->pw_dir : "/");
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (!f->working_dir_optional) {
			log_error("%s: WorkingDirectory=%s is not a directory here; create it, or "
				  "prefix it with '-'", f->path, dir);
			return EXIT_USAGE;
		}
		dir = "/";
	}
	u->cwd = strdup(dir);
	return u->cwd ? EXIT_OK : EXIT_FAIL;
}

/* The command and its environment, as systemd would start them. */
static int unit_command(struct run_unit *u)
{
	char err[512];
	int saved;

	u->envp = unit_file__environment(u->file, err, sizeof(err));
	if (u->envp)
		u->argv = unit_file__argv(u->file, u->envp, err, sizeof(err));
	if (u->argv)
		return EXIT_OK;
	saved = errno; /* before log_error, whose failed write to stderr would set it */
	log_error("%s", err);
	return saved == ENOMEM ? EXIT_FAIL : EXIT_USAGE;
}

/* What the unit says that capdiet judges differently, said once. */
static void unit_notes(const struct run_opts *o, const struct unit_file *f)
{
	char *ambient = f->ambient ? caps__format(f->ambient, " ", true) : NULL;

	if (!o->env.probe && (!f->type || strcmp(f->type, "oneshot")))
		log_warn("%s: Type=%s is a service that keeps running: give --probe CMD, or "
			 "capdiet waits for it to exit 0", f->path, f->type ? f->type : "simple");
	if (f->exec_ignore_failure && !o->env.probe)
		log_warn("%s: ExecStart=- ignores the exit status under systemd; capdiet still "
			 "judges the command by it", f->path);
	if (ambient)
		log_info("%s: AmbientCapabilities=%s is what the unit grants today; the learned "
			 "set replaces it (export --format systemd resets it)", f->path, ambient);
	free(ambient);
}

static int unit_load(struct run_opts *o, struct run_unit *u)
{
	char err[512];
	int ret;

	u->file = unit_file__load(o->unit, err, sizeof(err));
	if (!u->file) {
		ret = errno; /* before log_error, whose failed write to stderr would set it */
		log_error("%s", err);
		return ret == ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	if (u->file->no_new_privs && o->env.allow_new_privs) {
		log_error("--allow-new-privs contradicts the unit's NoNewPrivileges=yes; drop one");
		return EXIT_USAGE;
	}
	ret = unit_name(u, o->unit);
	ret = ret ?: unit_command(u);
	ret = ret ?: unit_user(u);
	return ret ?: unit_cwd(u);
}

int run_unit__prepare(struct run_opts *o)
{
	struct run_unit *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return EXIT_FAIL;
	o->run_unit = u;
	ret = unit_load(o, u);
	if (ret)
		return ret;
	u->limit = u->file->bounding;
	o->env.argv = u->argv;
	o->env.cwd = u->cwd;
	o->env.envp = u->envp;
	/* systemd's default lets a service gain privileges (setuid, file caps). */
	o->env.allow_new_privs = !u->file->no_new_privs;
	o->user = u->user;
	if (!o->name)
		o->name = u->name;
	unit_notes(o, u->file);
	log_info("%s: %s as %s in %s", u->path, u->argv[0], u->user ? u->user : "root", u->cwd);
	return EXIT_OK;
}

capset_t run_unit__limit(const struct run_unit *u)
{
	return u ? u->limit : ~(capset_t)0;
}

int run_unit__fill_profile(const struct run_unit *u, struct profile *p)
{
	if (!u)
		return 0;
	p->unit = strdup(u->path);
	p->unit_excludes = caps__all() & ~u->limit;
	return p->unit ? 0 : -ENOMEM;
}

/* "leaves out A,B" or "allows only C,D": whichever is shorter. */
static char *limit_text(capset_t limit)
{
	capset_t out = caps__all() & ~limit;
	bool few = caps__count(out) <= caps__count(limit);
	char *names = caps__format(few ? out : limit, ",", false), *text = NULL;

	if (names && asprintf(&text, "%s %s", few ? "leaves out" : "allows only",
			      *names ? names : "none") < 0)
		text = NULL;
	free(names);
	return text;
}

void run_unit__report(const struct run_unit *u, struct profile *p, bool baseline_failed)
{
	capset_t excluded = caps__all() & ~run_unit__limit(u);
	char *limit, *denied;

	if (!u || !excluded)
		return;
	limit = limit_text(u->limit);
	denied = caps__format(p->untestable & excluded, ",", false);
	if (baseline_failed)
		log_error("every trial was held within the unit's CapabilityBoundingSet= (it %s), "
			  "as systemd holds the service: if it needs more, the unit must allow it",
			  limit ? limit : "?");
	else
		log_progress("held within the unit's CapabilityBoundingSet= (it %s): the service "
			     "can never have more%s%s%s", limit ? limit : "?",
			     denied && *denied ? "; denied " : "", denied ? denied : "",
			     denied && *denied ? ", which it leaves out, and worked without" : "");
	p->untestable &= ~excluded;
	free(limit);
	free(denied);
}
