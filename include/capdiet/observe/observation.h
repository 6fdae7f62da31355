/* SPDX-License-Identifier: MIT */
/*
 * Plain data between the recorder, the classifier, the output and the
 * learner: one aggregated capability decision with its evidence.
 */
#ifndef CAPDIET_OBSERVATION_H
#define CAPDIET_OBSERVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capdiet/observe/events.h"

#define OBS_TEXT_MAX 256
#define OBS_STACK_TEXT_MAX 1024

enum obs_class {
	OBS_GRANTED = 0,   /* the check passed */
	OBS_REQUIRED = 1,  /* denied, and the operation did not happen */
	OBS_TOLERATED = 2, /* denied, yet harmless: the operation went on */
};

struct observation {
	/* From the kernel. */
	int cap;
	enum cd_outcome outcome;
	int syscall;             /* CD_NO_SYSCALL outside a syscall */
	uint64_t exe_id;
	uint64_t count;
	uint64_t first_ns;
	int64_t ret;             /* the syscall's return value (denied checks) */
	uint32_t pid;            /* first process seen making it */
	uint32_t opts;
	bool has_opts;
	uint32_t userns_level;   /* 0: checked against the initial user namespace */
	char comm[CD_COMM_LEN];
	char exe[OBS_TEXT_MAX];
	int arg_kind;            /* enum cd_arg_kind */
	char arg[OBS_TEXT_MAX];  /* path, or "0.0.0.0:80" for a sockaddr */
	int stack_depth;
	uint64_t stack[CD_STACK_DEPTH];
	/* Filled by classify__all(). */
	char syscall_name[32];
	char call_site[64];      /* first frame past the capability helpers */
	char stack_text[OBS_STACK_TEXT_MAX];
	enum obs_class klass;
	bool noaudit;            /* a noaudit caller: never a need, denied or not */
	bool preclassified;      /* made from a syscall's arguments (sysevent.h):
				  * classify__all leaves it as it is */
	char reason[OBS_TEXT_MAX];
};

struct observations {
	struct observation *v;
	size_t n;
	size_t cap;
	uint64_t lost[CD_STAT_MAX]; /* decisions not recorded, by cause */
};

/* Appends a zeroed observation; NULL with errno on failure. */
struct observation *observations__add(struct observations *obs);
/* Total decisions that could not be recorded (counts or outcome lost). */
uint64_t observations__lost(const struct observations *obs);
void observations__clear(struct observations *obs);
const char *obs_class__name(enum obs_class c);

#endif
