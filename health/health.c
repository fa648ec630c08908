/* health.c - the table of standing conditions and the rules that combine
 * them into the host's green, yellow or red. */
#include <stdio.h>
#include <string.h>

#include "health/health.h"

void health_init(struct health *h, bool psu_redundant)
{
	memset(h, 0, sizeof(*h));
	h->psu_redundant = psu_redundant;
}

static int find(const struct health *h, enum health_kind kind,
                const char *source, const char *component)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->cond[i].kind == kind &&
		    strcmp(h->cond[i].source, source) == 0 &&
		    strcmp(h->cond[i].component, component) == 0)
			return (int)i;
	return -1;
}

static void remove_at(struct health *h, size_t i)
{
	memmove(&h->cond[i], &h->cond[i + 1],
	        (h->n - i - 1) * sizeof(h->cond[0]));
	h->n--;
}

/* A full table gives up the condition that would end soonest, else the
 * oldest: losing a stale yellow beats refusing a new red. */
static void make_room(struct health *h)
{
	size_t i, victim = 0;

	for (i = 1; i < h->n; i++) {
		const struct health_condition *a = &h->cond[i];
		const struct health_condition *v = &h->cond[victim];

		if (a->until_ms != 0 &&
		    (v->until_ms == 0 || a->until_ms < v->until_ms))
			victim = i;
		else if (v->until_ms == 0 && a->until_ms == 0 &&
		         a->since_ms < v->since_ms)
			victim = i;
	}
	remove_at(h, victim);
	h->dropped++;
}

void health_set(struct health *h, enum health_kind kind, const char *source,
                const char *component, enum health_level level,
                const char *reason, uint64_t now_ms, uint64_t hold_ms)
{
	struct health_condition *c;
	int i = find(h, kind, source, component);

	if (level == HEALTH_GREEN) {
		if (i >= 0)
			remove_at(h, (size_t)i);
		return;
	}
	if (i < 0) {
		if (h->n == HEALTH_MAX)
			make_room(h);
		c = &h->cond[h->n++];
		memset(c, 0, sizeof(*c));
		c->kind = kind;
		snprintf(c->source, sizeof(c->source), "%s", source);
		snprintf(c->component, sizeof(c->component), "%s", component);
		c->since_ms = now_ms;
	} else {
		c = &h->cond[i];
	}
	c->level = level;
	snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
	c->until_ms = hold_ms > 0 ? now_ms + hold_ms : 0;
}

void health_clear_source(struct health *h, const char *source)
{
	size_t i = 0;

	while (i < h->n) {
		if (strcmp(h->cond[i].source, source) == 0)
			remove_at(h, i);
		else
			i++;
	}
}

size_t health_expire(struct health *h, uint64_t now_ms)
{
	size_t i = 0, gone = 0;

	while (i < h->n) {
		if (h->cond[i].until_ms != 0 && h->cond[i].until_ms <= now_ms) {
			remove_at(h, i);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

static size_t count_kind(const struct health *h, enum health_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < h->n; i++)
		n += h->cond[i].kind == kind;
	return n;
}

enum health_level health_effective(const struct health *h, size_t i)
{
	const struct health_condition *c = &h->cond[i];

	switch (c->kind) {
	case HEALTH_FAN_FAILED:
		/* Cooling lost and the heat showing: act before the trip. */
		if (count_kind(h, HEALTH_TEMP_HIGH) > 0)
			return HEALTH_RED;
		return c->level;
	case HEALTH_PSU_FAILED:
		if (!h->psu_redundant || count_kind(h, HEALTH_PSU_FAILED) > 1)
			return HEALTH_RED;
		return c->level;
	case HEALTH_UNCORRECTABLE:
		return HEALTH_RED;
	case HEALTH_GENERIC:
	case HEALTH_TEMP_HIGH:
		break;
	}
	return c->level;
}

enum health_level health_level(const struct health *h)
{
	enum health_level worst = HEALTH_GREEN, l;
	size_t i;

	for (i = 0; i < h->n; i++) {
		l = health_effective(h, i);
		if (l > worst)
			worst = l;
	}
	return worst;
}

void health_summary(const struct health *h, char *buf, size_t len)
{
	enum health_level worst = health_level(h);
	size_t i, first = 0, at_worst = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (worst == HEALTH_GREEN)
		return;
	for (i = 0; i < h->n; i++) {
		if (health_effective(h, i) != worst)
			continue;
		if (at_worst++ == 0)
			first = i;
	}
	if (at_worst > 1)
		snprintf(buf, len, "%s (+%zu more)", h->cond[first].reason,
		         at_worst - 1);
	else
		snprintf(buf, len, "%s", h->cond[first].reason);
}

const char *health_level_name(enum health_level l)
{
	switch (l) {
	case HEALTH_GREEN:
		return "green";
	case HEALTH_YELLOW:
		return "yellow";
	case HEALTH_RED:
		return "red";
	}
	return "unknown";
}

const char *health_level_word(enum health_level l)
{
	switch (l) {
	case HEALTH_GREEN:
		return "ok";
	case HEALTH_YELLOW:
		return "degraded";
	case HEALTH_RED:
		return "failing";
	}
	return "unknown";
}
