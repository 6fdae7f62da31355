/* SPDX-License-Identifier: MIT */
/* The one place messages reach stderr; stdout carries results only. */
#ifndef CAPDIET_LOG_H
#define CAPDIET_LOG_H

#include <stdbool.h>

enum log_level { LOG_QUIET = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress lines (e.g. one per trial): shown unless quiet, without a prefix. */
void log_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
