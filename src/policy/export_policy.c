// SPDX-License-Identifier: MIT
/*
 * The model the admission policies are written from: what every matched
 * container may add, what named containers may add beyond it, which pods
 * are matched.  Built from a profile (its set, for the pods labelled with
 * its name; an observed profile's pods are named with --selector) or from
 * an allowlist (its default, for every pod, and its exceptions that name
 * only a container).  Unless --namespace names one, the namespaces of the
 * cluster's own pods and of capdiet's observer are left out.  Kubernetes'
 * own name rules are checked here, so nothing a policy engine would read as
 * an expression or refuse as a name reaches the output.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "capdiet/core/log.h"
#include "export_internal.h"

#define K8S_SELECTOR_DEFAULT_KEY "app.kubernetes.io/name"

/* ---- Kubernetes names ---- */

/* 1 to max of [a-zA-Z0-9] at both ends and inner; extra inner chars allowed. */
static bool k8s__word(const char *s, size_t len, size_t max, const char *inner, bool upper)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool alnum = isdigit(c) || islower(c) || (upper && isupper(c));

		if (!alnum && (i == 0 || i == len - 1 || !strchr(inner, c)))
			return false;
	}
	return true;
}

bool export__k8s_dns_label(const char *s)
{
	return s && k8s__word(s, strlen(s), 63, "-", false);
}

bool export__k8s_label_value(const char *s)
{
	return s && k8s__word(s, strlen(s), 63, "-_.", true);
}

bool export__k8s_label_key(const char *s)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	const char *name = slash ? slash + 1 : s;

	if (!s)
		return false;
	/* The prefix is a DNS subdomain: dot-separated lowercase labels. */
	if (slash && !k8s__word(s, (size_t)(slash - s), 253, "-.", false))
		return false;
	return k8s__word(name, strlen(name), 63, "-_.", true);
}

/* ---- Pod Security levels (k8s.io/pod-security-admission, policy/
 * check_capabilities_baseline.go and check_capabilities_restricted.go) ---- */

capset_t export__psa_baseline(void)
{
	static const int caps[] = {
		CAP_AUDIT_WRITE, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL,
		CAP_MKNOD, CAP_NET_BIND_SERVICE, CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP,
		CAP_SETUID, CAP_SYS_CHROOT,
	};
	capset_t set = 0;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		set |= CAPSET_BIT(caps[i]);
	return set;
}

const char *export__psa_level_of(capset_t caps)
{
	if (!(caps & ~CAPSET_BIT(CAP_NET_BIND_SERVICE)))
		return "restricted";
	return caps & ~export__psa_baseline() ? "privileged" : "baseline";
}

/* ---- the model ---- */

/* "capdiet-" and name made a DNS label: lowercase, other bytes '-'. */
static void policy__name(const char *name, char *out, size_t len)
{
	size_t n = strncmp(name, "capdiet-", 8) ? (size_t)snprintf(out, len, "capdiet-") : 0;

	for (; *name && n + 1 < len && n < 63; name++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*name);

		out[n++] = isalnum(c) && c < 0x80 ? (char)c : '-';
	}
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '-')
		out[--n] = '\0';
	if (n <= strlen("capdiet"))
		snprintf(out, len, "capdiet-policy");
}

static int policy__selector(const char *text, struct export_policy *pol)
{
	const char *eq = strchr(text, '=');

	if (eq && (size_t)(eq - text) < sizeof(pol->label_key) &&
	    strlen(eq + 1) < sizeof(pol->label_value)) {
		snprintf(pol->label_key, sizeof(pol->label_key), "%.*s", (int)(eq - text), text);
		snprintf(pol->label_value, sizeof(pol->label_value), "%s", eq + 1);
		if (export__k8s_label_key(pol->label_key) &&
		    export__k8s_label_value(pol->label_value))
			return 0;
	}
	log_error("--selector '%s' is not KEY=VALUE with a Kubernetes label key and value "
		  "(e.g. app.kubernetes.io/name=web)", EXPORT_CLEAN(text));
	return -EBADMSG;
}

static int policy__namespace(const char *ns, const char *what)
{
	if (export__k8s_dns_label(ns))
		return 0;
	log_error("%s '%s' is not a Kubernetes namespace name (up to 63 lowercase letters, "
		  "digits and '-')%s", what, EXPORT_CLEAN(ns),
		  strcmp(what, "--namespace") ? "; name the namespace with --namespace NS" : "");
	return -EBADMSG;
}

static void policy__exclude(struct export_policy *pol, const char *ns)
{
	for (size_t i = 0; i < pol->n_excluded; i++)
		if (!strcmp(pol->excluded[i], ns))
			return;
	pol->excluded[pol->n_excluded++] = ns;
}

/* The namespaces left out: --exclude-namespace, and the cluster's own and
 * capdiet's unless --namespace names one or --no-default-excludes. */
static int policy__excludes(const struct export_options *o, struct export_policy *pol)
{
	static const char *const defaults[] = EXPORT_DEFAULT_EXCLUDES;

	for (size_t i = 0; i < o->n_exclude && i < EXPORT_MAX_EXCLUDES; i++) {
		if (policy__namespace(o->exclude[i], "--exclude-namespace"))
			return -EBADMSG;
		policy__exclude(pol, o->exclude[i]);
	}
	if (pol->namespace || o->no_default_excludes)
		return 0;
	pol->default_excluded = true;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		policy__exclude(pol, defaults[i]);
	return 0;
}

/* What the options say about matching, checked for every source; ns is
 * the source's own namespace (an observed profile's), NULL none. */
static int policy__match(const struct export_options *o, const char *ns,
			 struct export_policy *pol)
{
	int err;

	pol->o = o;
	pol->namespace = o->namespace ? o->namespace : ns;
	if (pol->namespace && (err = policy__namespace(pol->namespace, o->namespace
			? "--namespace" : "the observed profile's namespace")))
		return err;
	err = policy__excludes(o, pol);
	if (err)
		return err;
	return o->selector ? policy__selector(o->selector, pol) : 0;
}

/* An observed profile is named after its workload and container
 * (shop.web.nginx), which no pod carries as a label: the pods are the
 * caller's to name.  Its workload is kept for the hint. */
static int policy__observed(const struct profile *p, struct export_policy *pol)
{
	char *workload = profile_observation__workload(p->observation);

	pol->observed = true;
	if (!workload)
		return errno == ENOENT ? 0 : -ENOMEM;
	if (export__k8s_label_value(workload))
		snprintf(pol->workload, sizeof(pol->workload), "%s", workload);
	free(workload);
	return 0;
}

int export_policy__from_profile(const struct profile *p, const struct export_options *o,
				struct export_policy *out)
{
	struct export_user u;
	int err;

	memset(out, 0, sizeof(*out));
	export__user(p, &u);
	out->allowed = out->widest = p->caps;
	/* Non-root with capabilities needs file capabilities, which the
	 * allowPrivilegeEscalation: false that restricted requires makes inert. */
	out->restricted_ok = !u.root && export__no_new_privs_ok(p, &u);
	out->forced = !p->complete ? "incomplete" : p->degraded ? "degraded" : NULL;
	policy__name(export__name(p), out->name, sizeof(out->name));
	snprintf(out->what, sizeof(out->what), "capdiet profile %s",
		 EXPORT_CLEAN(export__name(p)));
	err = policy__match(o, p->observation ? p->observation->namespace : NULL, out);
	if (!err && p->observation && !o->selector)
		err = policy__observed(p, out);
	if (err || o->selector || out->observed)
		return err;
	/* By default the pods that carry the profile's name as their app name. */
	out->unmatched = !export__k8s_label_value(export__name(p));
	if (out->unmatched)
		return 0;
	snprintf(out->label_key, sizeof(out->label_key), K8S_SELECTOR_DEFAULT_KEY);
	snprintf(out->label_value, sizeof(out->label_value), "%s", export__name(p));
	return 0;
}

/* An exception a Pod-level policy can hold: live, naming only a container
 * that Kubernetes would accept as a container name. */
static bool policy__expressible(const struct check_exception *ex)
{
	return !ex->expired && !ex->kind && !ex->name &&
	       (!ex->container || export__k8s_dns_label(ex->container));
}

static int policy__add_container(struct export_policy *pol, const char *name, capset_t add)
{
	struct export_container_caps *grown;

	for (size_t i = 0; i < pol->n_containers; i++) {
		if (!strcmp(pol->containers[i].name, name)) {
			pol->containers[i].add |= add;
			return 0;
		}
	}
	grown = realloc(pol->containers, (pol->n_containers + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	pol->containers = grown;
	pol->containers[pol->n_containers++] = (struct export_container_caps){ name, add };
	return 0;
}

static int policy__exceptions(const struct check_allowlist *al, struct export_policy *pol)
{
	int err = 0;

	for (size_t i = 0; i < al->n && !err; i++) {
		const struct check_exception *ex = &al->ex[i];

		if (!ex->expired)
			pol->widest |= ex->add;
		if (!policy__expressible(ex))
			continue;
		if (ex->container)
			err = policy__add_container(pol, ex->container, ex->add & ~al->base);
		else
			pol->allowed |= ex->add;
	}
	/* An exception for any container widens the default for the named ones too. */
	for (size_t i = 0; i < pol->n_containers; i++)
		pol->containers[i].add &= ~pol->allowed;
	return err;
}

/* "allow.yaml" from "ci/allow.yaml", without a leading dot or the extension. */
static void policy__file_stem(const char *file, char *out, size_t len)
{
	const char *base = strrchr(file, '/');
	char *dot;

	base = base ? base + 1 : file;
	base += strspn(base, ".");
	snprintf(out, len, "%s", *base ? base : "allowlist");
	dot = strrchr(out, '.');
	if (dot && dot != out)
		*dot = '\0';
}

int export_policy__from_allowlist(const struct check_allowlist *al, const char *file,
				  const struct export_options *o, struct export_policy *out)
{
	char stem[128];
	int err;

	memset(out, 0, sizeof(*out));
	out->from_allowlist = true;
	out->al = al;
	out->allowed = out->widest = al->base;
	policy__file_stem(file, stem, sizeof(stem));
	policy__name(stem, out->name, sizeof(out->name));
	snprintf(out->what, sizeof(out->what), "capdiet allowlist %s", EXPORT_CLEAN(file));
	out->file = file;
	/* Every pod of the cluster, CNI and kube-proxy included (default
	 * excludes or not): a mutation there is too wide to be a default. */
	if (o->mutate && !o->selector && !o->namespace) {
		log_error("--mutate with --allowlist would set the capabilities of every pod in "
			  "the cluster: narrow it with --selector KEY=VALUE or --namespace NS");
		return -EBADMSG;
	}
	err = policy__match(o, NULL, out);
	return err ?: policy__exceptions(al, out);
}

void export_policy__clear(struct export_policy *pol)
{
	if (!pol)
		return;
	free(pol->containers);
	pol->containers = NULL;
	pol->n_containers = 0;
}

/* ---- comments ---- */

static void policy__caps_comment(const char *prefix, capset_t set, FILE *out)
{
	char *names = caps__format(set, ", ", false);

	fprintf(out, "%s[%s]", prefix, names ? names : "?");
	free(names);
}

static void policy__left_out(const struct export_policy *pol, FILE *out)
{
	for (size_t i = 0; pol->al && i < pol->al->n; i++) {
		const struct check_exception *ex = &pol->al->ex[i];

		if (policy__expressible(ex))
			continue;
		fprintf(out, "# left out: exception %s/%s container %s (line %d)",
			ex->kind ? EXPORT_CLEAN(ex->kind) : "*", ex->name ? EXPORT_CLEAN(ex->name) : "*",
			ex->container ? EXPORT_CLEAN(ex->container) : "*", ex->line);
		policy__caps_comment(" adding ", ex->add, out);
		fputs(ex->expired ? ": it has expired\n"
		      : ex->kind || ex->name ? ": admission sees a Pod, not the workload that made it; "
					      "export the workload's profile with --selector\n"
		      : ": not a Kubernetes container name\n", out);
	}
}

/* Names (checked DNS labels) can stand in a comment as they are. */
static void policy__excluded_comment(const struct export_policy *pol, FILE *out)
{
	if (!pol->n_excluded)
		return;
	fprintf(out, "# not matched: pods in namespace%s", pol->n_excluded > 1 ? "s" : "");
	for (size_t i = 0; i < pol->n_excluded; i++)
		fprintf(out, "%s %s", i ? "," : "", pol->excluded[i]);
	if (pol->default_excluded)
		fputs(" (kube-system and capdiet-system are left out by default: the cluster's "
		      "own pods and capdiet's observer; --no-default-excludes matches them)", out);
	fputc('\n', out);
}

void export_policy__comments(const struct export_policy *pol, const char *kind, FILE *out)
{
	fprintf(out, "# %s: %s\n", pol->what, kind);
	if (pol->forced)
		fprintf(out, "# WARNING: exported with --force: the profile is %s; its set may "
			"lack what the service needs\n", pol->forced);
	policy__caps_comment("# every matched container must drop ALL and may add only ",
			     pol->allowed, out);
	fputc('\n', out);
	for (size_t i = 0; i < pol->n_containers; i++) {
		fprintf(out, "# container %s may also add", EXPORT_CLEAN(pol->containers[i].name));
		policy__caps_comment(" ", pol->containers[i].add, out);
		fputc('\n', out);
	}
	fprintf(out, "# matched: %s%s%s%s%s%s\n", pol->label_key[0] ? "pods labelled " : "every pod",
		pol->label_key, pol->label_key[0] ? "=" : "", pol->label_value,
		pol->namespace ? " in namespace " : "", pol->namespace ? pol->namespace : "");
	policy__excluded_comment(pol, out);
	policy__left_out(pol, out);
}

/* Said on stderr too: with -o the comments are easily missed. */
static void policy__warn_left_out(const struct export_policy *pol)
{
	size_t left_out = 0;

	for (size_t i = 0; pol->al && i < pol->al->n; i++)
		left_out += !pol->al->ex[i].expired && !policy__expressible(&pol->al->ex[i]);
	if (left_out)
		log_warn("%zu exception%s of %s cannot be a Pod's rule and %s left out of the "
			 "policy (its comments say which)", left_out, left_out == 1 ? "" : "s",
			 EXPORT_CLEAN(pol->file), left_out == 1 ? "is" : "are");
}

int export_policy__write(const struct export_policy *pol, enum export_format f, FILE *out)
{
	if (pol->unmatched && f != EXPORT_PSA) {
		log_error("%s: its name is not a Kubernetes label value, so it names no pods; "
			  "say which pods the policy is for with --selector KEY=VALUE", pol->what);
		return -EBADMSG;
	}
	if (pol->observed && f != EXPORT_PSA) {
		log_error("%s was observed: its name is no pod's label; say which pods the policy "
			  "is for with --selector KEY=VALUE (e.g. --selector %s=%s)", pol->what,
			  K8S_SELECTOR_DEFAULT_KEY, pol->workload[0] ? pol->workload : "NAME");
		return -EBADMSG;
	}
	switch (f) {
	case EXPORT_KYVERNO:
		policy__warn_left_out(pol);
		return export__kyverno(pol, out);
	case EXPORT_GATEKEEPER:
		policy__warn_left_out(pol);
		return export__gatekeeper(pol, out);
	case EXPORT_PSA:
		return export__psa(pol, out);
	default:
		return -EINVAL;
	}
}

int export__write_allowlist(const struct check_allowlist *al, const char *file,
			    enum export_format f, const struct export_options *o, FILE *out)
{
	struct export_policy pol;
	int err;

	if (!export__is_policy(f))
		return -EINVAL;
	err = export_policy__from_allowlist(al, file, o, &pol);
	if (!err)
		err = export_policy__write(&pol, f, out);
	export_policy__clear(&pol);
	return err;
}
