/* selftest.c - the telemetry self-test: plant a harmless corrected error
 * through the backend and see whether the record source ever delivers it. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "rasd.h"

/*
 * What is planted: VAL and EN, corrected, no address or misc; MCA error
 * code 0x0001 (unclassified) with model-specific code 0x5241 ("RA"). No
 * processor reports that pair, so the record is recognised wherever it
 * turns up, even after its verdict.
 */
#define SELFTEST_STATUS 0x9000000052410001ULL

/* Without a known poll period, as long as Xen's slowest poller. */
#define SELFTEST_DEFAULT_MS 24000u

const char *selftest_state_name(enum selftest_state s)
{
	switch (s) {
	case SELFTEST_NEVER:
		return "never";
	case SELFTEST_RUNNING:
		return "running";
	case SELFTEST_OK:
		return "ok";
	case SELFTEST_INOPERATIVE:
		return "inoperative";
	case SELFTEST_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown";
}

/* The bound: the policy's, else the backend's poll period and half. */
static uint64_t selftest_bound_ms(const struct rasd *d)
{
	if (d->policy.selftest_timeout_ms > 0)
		return d->policy.selftest_timeout_ms;
	if (d->topo.mce_poll_ms > 0)
		return (uint64_t)d->topo.mce_poll_ms * 3 / 2 + 2000;
	return SELFTEST_DEFAULT_MS;
}

static void selftest_condition(struct rasd *d, enum health_level level)
{
	health_set(&d->health, HEALTH_GENERIC, "telemetry", "machine-check",
	           level, d->selftest.reason, clock_now_ms(&d->clock), 0);
}

static void selftest_notice(struct rasd *d, int prio)
{
	struct notice n;

	rasd_notice_start(d, &n, "TELEMETRY", prio, "%s", d->selftest.reason);
	notice_add(&n, "state", "%s", selftest_state_name(d->selftest.state));
	notice_add(&n, "cpu", "%u", d->selftest.planted.extcpu);
	notice_add(&n, "bank", "%u", d->selftest.planted.bank);
	telemetry_notice(d, &n);
}

static void selftest_decide(struct rasd *d, enum selftest_state st)
{
	struct selftest *t = &d->selftest;
	uint64_t now = clock_now_ms(&d->clock);

	t->state = st;
	t->decided_ms = now;
	loop_timer_arm(t->timer, 0);
	if (st == SELFTEST_OK) {
		snprintf(t->reason, sizeof(t->reason),
		         "machine-check telemetry works: the record planted "
		         "in bank %u of cpu %u came back after %llu ms",
		         t->planted.bank, t->planted.extcpu,
		         (unsigned long long)(now - t->started_ms));
		log_msg(&d->log, LOG_INFO, "selftest", "%s", t->reason);
		selftest_condition(d, HEALTH_GREEN);
		selftest_notice(d, LOG_INFO);
	} else {
		snprintf(t->reason, sizeof(t->reason),
		         "hypervisor machine-check telemetry inoperative: a "
		         "corrected error planted in bank %u of cpu %u did "
		         "not arrive within %llu s",
		         t->planted.bank, t->planted.extcpu,
		         (unsigned long long)(t->timeout_ms / 1000));
		log_msg(&d->log, LOG_ERR, "selftest", "%s", t->reason);
		selftest_condition(d, HEALTH_YELLOW);
		selftest_notice(d, LOG_ERR);
	}
	telemetry_update(d);
}

static void selftest_expired(void *arg)
{
	struct rasd *d = arg;

	if (d->selftest.state == SELFTEST_RUNNING)
		selftest_decide(d, SELFTEST_INOPERATIVE);
}

static int selftest_refuse(const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "selftest: %s", why);
	return -1;
}

static int selftest_plan(struct rasd *d, struct mce_record *r, char *err,
                         size_t errlen)
{
	uint32_t banks = (uint32_t)(d->topo.mcg_cap & 0xff);

	if (strcmp(d->policy.selftest, "no") == 0)
		return selftest_refuse(
		    "the policy says no ([telemetry] selftest = no)", err,
		    errlen);
	if (d->hv->ops->inject == NULL)
		return selftest_refuse("this backend cannot plant records", err,
		                       errlen);
	if (banks != 0 && d->policy.selftest_bank >= banks) {
		snprintf(err, errlen,
		         "selftest: bank %u does not exist (MCG_CAP has %u)",
		         d->policy.selftest_bank, banks);
		return -1;
	}
	if (rasd_record_init(d, d->policy.selftest_cpu,
	                     (uint8_t)d->policy.selftest_bank, SELFTEST_STATUS,
	                     r) < 0) {
		snprintf(err, errlen, "selftest: no cpu %u on this host",
		         d->policy.selftest_cpu);
		return -1;
	}
	return 0;
}

int selftest_start(struct rasd *d, char *err, size_t errlen)
{
	struct selftest *t = &d->selftest;
	struct mce_record r;

	if (t->state == SELFTEST_RUNNING)
		return 0;
	if (selftest_plan(d, &r, err, errlen) < 0)
		return -1;
	t->planted = r;
	t->runs++;
	t->started_ms = clock_now_ms(&d->clock);
	t->timeout_ms = selftest_bound_ms(d);
	t->state = SELFTEST_RUNNING;
	snprintf(t->reason, sizeof(t->reason),
	         "waiting up to %llu s for the record planted in bank %u of "
	         "cpu %u",
	         (unsigned long long)(t->timeout_ms / 1000), r.bank, r.extcpu);
	if (d->hv->ops->inject(d->hv, &r) < 0) {
		t->state = SELFTEST_UNSUPPORTED;
		snprintf(t->reason, sizeof(t->reason),
		         "telemetry self-test could not plant: %s", d->hv->err);
		snprintf(err, errlen, "selftest: %s", d->hv->err);
		log_msg(&d->log, LOG_WARNING, "selftest", "%s", t->reason);
		return -1;
	}
	log_msg(&d->log, LOG_INFO, "selftest", "planted a corrected error: %s",
	        t->reason);
	loop_timer_arm(t->timer, clock_real_ns_until(
	                             &d->clock, t->started_ms + t->timeout_ms));
	return 0;
}

bool selftest_claims(struct rasd *d, const struct mce_record *r)
{
	struct selftest *t = &d->selftest;

	if (r->status != SELFTEST_STATUS || t->runs == 0)
		return false;
	if (t->state == SELFTEST_RUNNING) {
		selftest_decide(d, SELFTEST_OK);
		return true;
	}
	/* After the verdict: the source is slower than the bound, not dead. */
	t->late++;
	log_msg(&d->log, LOG_WARNING, "selftest",
	        "a planted record came back after the self-test gave up "
	        "(%llu late so far): the poll period is longer than %llu s",
	        (unsigned long long)t->late,
	        (unsigned long long)(t->timeout_ms / 1000));
	return true;
}

/* auto: only where broken telemetry is known to ship (Xen 4.17). */
static bool selftest_at_start(const struct rasd *d)
{
	if (strcmp(d->policy.selftest, "yes") == 0)
		return true;
	return strcmp(d->policy.selftest, "auto") == 0 &&
	       strcmp(d->hv->ops->name, "xen") == 0;
}

int selftest_init(struct rasd *d, char *err, size_t errlen)
{
	char why[256];

	if (loop_timer_create(d->loop, &d->selftest.timer, selftest_expired,
	                      d) < 0) {
		snprintf(err, errlen, "selftest: timerfd: %s", strerror(errno));
		return -1;
	}
	if (!selftest_at_start(d))
		return 0;
	if (selftest_start(d, why, sizeof(why)) < 0)
		log_msg(&d->log, LOG_WARNING, "selftest", "%s", why);
	return 0;
}

void selftest_json(const struct rasd *d, struct json_object *out)
{
	const struct selftest *t = &d->selftest;

	json_object_object_add(
	    out, "state",
	    json_object_new_string(selftest_state_name(t->state)));
	json_object_object_add(out, "reason",
	                       json_object_new_string(t->reason));
	json_object_object_add(out, "runs",
	                       json_object_new_int64((int64_t)t->runs));
	json_object_object_add(out, "late",
	                       json_object_new_int64((int64_t)t->late));
	json_object_object_add(out, "timeout_ms",
	                       json_object_new_int64((int64_t)t->timeout_ms));
	if (t->runs == 0)
		return;
	json_object_object_add(out, "cpu",
	                       json_object_new_int64(t->planted.extcpu));
	json_object_object_add(out, "bank",
	                       json_object_new_int64(t->planted.bank));
	json_object_object_add(out, "started_ms",
	                       json_object_new_int64((int64_t)t->started_ms));
	if (t->state != SELFTEST_RUNNING)
		json_object_object_add(
		    out, "decided_ms",
		    json_object_new_int64((int64_t)t->decided_ms));
}

void selftest_fini(struct rasd *d)
{
	loop_timer_destroy(d->selftest.timer);
	d->selftest.timer = NULL;
}
