/* fuzz_tracefs.c - libFuzzer target: format files, then raw ring-buffer
 * pages through the walker, the field accessors and both decoders. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mce/mce.h"
#include "mce/tracefs.h"

#define MAX_FORMATS 4
#define PAGE_LEN    4096

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_msg(const char *msg, size_t cap)
{
	check(memchr(msg, '\0', cap) != NULL);
}

struct formats {
	size_t n;
	struct tracefs_format f[MAX_FORMATS];
};

static int on_mce(void *arg, const struct mce_record *r, uint64_t ts)
{
	(void)arg;
	(void)ts;
	check(r->record_len == 0);
	return 0;
}

/* Strings end inside their arrays and hold no control bytes. */
static void check_string(const char *s, size_t cap)
{
	size_t i;

	check_msg(s, cap);
	for (i = 0; s[i] != '\0'; i++)
		check((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static int on_mc(void *arg, const struct tracefs_mc_event *e, uint64_t ts)
{
	(void)arg;
	(void)ts;
	check_string(e->label, sizeof(e->label));
	check_string(e->msg, sizeof(e->msg));
	check_string(e->driver_detail, sizeof(e->driver_detail));
	check(tracefs_mc_err_name(e->error_type) != NULL);
	return 0;
}

/* Every field of every format read from every event, in bounds or not. */
static int on_raw(void *arg, const unsigned char *data, size_t len, uint64_t ts)
{
	const struct formats *fs = arg;
	const unsigned char *dyn;
	size_t i, j, n;
	uint64_t v;

	(void)ts;
	for (i = 0; i < fs->n; i++) {
		for (j = 0; j < fs->f[i].n_fields; j++) {
			const struct tracefs_field *fl = &fs->f[i].fields[j];

			if (tracefs_field_dyn(fl, data, len, &dyn, &n) == 0)
				check(dyn >= data && dyn + n <= data + len);
			tracefs_field_u64(fl, data, len, &v);
		}
	}
	return 0;
}

/* Formats one after another until the text ends or one fails. */
static void parse_formats(const char *text, size_t len, struct formats *fs,
                          struct tracefs_events *ev)
{
	char err[TRACEFS_ERROR_LEN];
	size_t used;

	tracefs_events_init(ev);
	fs->n = 0;
	while (len > 0 && fs->n < MAX_FORMATS) {
		struct tracefs_format *f = &fs->f[fs->n];

		if (tracefs_format_parse(text, len, "fuzz", f, &used, err,
		                         sizeof(err)) != 0) {
			check_msg(err, sizeof(err));
			return;
		}
		check(used > 0 && used <= len);
		check(f->n_fields <= TRACEFS_MAX_FIELDS);
		fs->n++;
		if (tracefs_events_add(ev, f, err, sizeof(err)) < 0)
			check_msg(err, sizeof(err));
		text += used;
		len -= used;
	}
}

static void decode_page(const struct tracefs_events *ev, struct formats *fs,
                        const uint8_t *page, size_t len)
{
	struct tracefs_sink sink = {on_mce, on_mc, NULL};
	struct tracefs_page_result res;
	struct tracefs_page_info info;
	char err[TRACEFS_ERROR_LEN];
	size_t i;
	int rc;

	rc = tracefs_page_decode(ev, page, len, &sink, &res);
	check(rc == 0 || res.malformed);
	check(res.n_errors <= TRACEFS_MAX_ERRORS);
	for (i = 0; i < res.n_errors; i++)
		check_msg(res.errors[i], TRACEFS_ERROR_LEN);
	check(res.mce + res.mc + res.unknown + res.rejected == res.page.events);
	check(res.page.end <= len);
	rc = tracefs_page_walk(page, len, on_raw, fs, &info, err, sizeof(err));
	check(info.events == res.page.events);
	if (rc != 0)
		check_msg(err, sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Format text, a NUL, then page bytes: each 4096 of them one page. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tracefs_events ev;
	struct formats fs;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t text_len = nul != NULL ? (size_t)(nul - data) : size;
	const uint8_t *page;
	size_t left, n;

	parse_formats((const char *)data, text_len, &fs, &ev);
	if (nul == NULL)
		return 0;
	page = nul + 1;
	left = size - text_len - 1;
	do {
		n = left < PAGE_LEN ? left : PAGE_LEN;
		decode_page(&ev, &fs, page, n);
		page += n;
		left -= n;
	} while (left > 0);
	return 0;
}
