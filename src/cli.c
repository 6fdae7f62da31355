// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capdiet/cli.h"
#include "capdiet/cmd.h"
#include "capdiet/log.h"

int cli__user(const char *text, struct user_spec **out)
{
	int err = user_spec__parse(text, out);

	if (!err)
		return EXIT_OK;
	if (err == -ENOENT)
		log_error("--user %s: no such user or group; give an existing name or a "
			  "numeric id", text);
	else if (err == -EINVAL)
		log_error("--user '%s' is not USER, USER:GROUP, UID or UID:GID", text);
	else
		log_error("--user %s: %s", text, strerror(-err));
	return err == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
}

int cli__attach(const char *text, enum attach_method *out)
{
	if (!attach__parse(text, out))
		return 0;
	log_error("unknown --attach method '%s'; use auto, tp_btf, tracepoint, fexit or kprobe",
		  text);
	return -EINVAL;
}

int cli__caps(const char *option, const char *text, capset_t *out)
{
	char bad[128] = "";

	if (!strcasecmp(text, "none")) {
		*out = 0;
		return 0;
	}
	if (!caps__parse_list(text, out, bad, sizeof(bad)))
		return 0;
	log_error("%s: unknown capability '%s'; use names from capabilities(7) "
		  "(CAP_ prefix optional), ALL or NONE", option, bad);
	return -EINVAL;
}

int cli__seconds(const char *option, const char *text, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	if (!errno && !*end && *out > 0 && *out <= 86400)
		return 0;
	log_error("%s needs a number of seconds (up to 86400), not '%s'", option, text);
	return -EINVAL;
}

int cli__count(const char *option, const char *text, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(text, &end, 10);
	if (!errno && end != text && !*end && *out >= min && *out <= max)
		return 0;
	log_error("%s needs a whole number from %ld to %ld, not '%s'", option, min, max, text);
	return -EINVAL;
}

void cli__more_verbose(void)
{
	log_set_level(log_level() >= LOG_INFO ? LOG_DEBUG : LOG_INFO);
}
