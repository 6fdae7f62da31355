// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "capdiet/core/log.h"

static enum log_level current_level = LOG_WARN;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_level(void)
{
	return current_level;
}

static void log_vprint(enum log_level level, const char *prefix,
		       const char *fmt, va_list ap)
{
	if (level > current_level)
		return;
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(name, level, prefix)                 \
	void name(const char *fmt, ...)                 \
	{                                               \
		va_list ap;                             \
		va_start(ap, fmt);                      \
		log_vprint(level, prefix, fmt, ap);     \
		va_end(ap);                             \
	}

DEFINE_LOG(log_error, LOG_ERROR, "capdiet: ")
DEFINE_LOG(log_warn, LOG_WARN, "capdiet: warning: ")
DEFINE_LOG(log_info, LOG_INFO, "capdiet: ")
DEFINE_LOG(log_debug, LOG_DEBUG, "capdiet: debug: ")
DEFINE_LOG(log_progress, LOG_ERROR, "")
