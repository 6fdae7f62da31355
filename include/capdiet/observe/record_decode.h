/* SPDX-License-Identifier: MIT */
/*
 * The recorder's BPF map entries, laid out as events.h says, decoded into
 * observations: bytes in, plain data out, no kernel.  The recorder feeds it
 * what it reads from the maps; tests feed it captured or hand-built bytes.
 *
 * One observation is decoded in steps, one per map its key leads to:
 *   record_decode__key()       the decision (counts, pending, live_events)
 *   record_decode__count()     how often, first when, what the syscall returned
 *   record_decode__exe()       the exes entry of o->exe_id
 *   record_decode__evidence()  the evidence entry filed under record_decode__evkey(o)
 *   record_decode__stack()     the stacks entry of that evidence's stack_id
 *   record_decode__live()      last, for a live event: the process it names
 */
#ifndef CAPDIET_RECORD_DECODE_H
#define CAPDIET_RECORD_DECODE_H

#include <stdint.h>

#include "capdiet/observe/events.h"
#include "capdiet/observe/observation.h"

/* An aggregation key: cap, outcome, syscall and exe_id. */
void record_decode__key(const struct cd_key *key, struct observation *o);
/* A counts value: count, first_ns and ret. */
void record_decode__count(const struct cd_count *c, struct observation *o);
/*
 * A pending value (denied checks whose syscall has not returned): appends
 * one observation per check, key and count decoded, outcome CD_OUT_UNKNOWN.
 * 0, or -ENOMEM with the checks appended so far left in out.
 */
int record_decode__pending(const struct cd_pending *p, struct observations *out);
/*
 * A live event's count (1) and process, pid and comm: those of this very
 * check, so they win over the evidence's (decode the event last).  Its key
 * goes through record_decode__key().
 */
void record_decode__live(const struct cd_live_event *e, struct observation *o);

/* The key the BPF side filed o's evidence under (o's key decoded). */
struct cd_evkey record_decode__evkey(const struct observation *o);
/* An exes value, or NULL when the map has none for o->exe_id ("?"). */
void record_decode__exe(const struct cd_exe *exe, struct observation *o);
/* An evidence value: pid, comm, opts and the argument as text (a path, or
 * "10.0.0.1:80", "[::1]:53", "unix:/run/x.sock" for a sockaddr). */
void record_decode__evidence(const struct cd_evidence *ev, struct observation *o);
/* A stacks value: CD_STACK_DEPTH return addresses, innermost first, zero
 * after the last. */
void record_decode__stack(const __u64 *ips, struct observation *o);

/* One counter of the per-CPU stats array: its ncpu values summed. */
uint64_t record_decode__stat(const __u64 *per_cpu, int ncpu);

#endif
