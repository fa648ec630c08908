/* fuzz_mce_text.c - libFuzzer target: arbitrary bytes through format
 * detection and the mcelog and dmesg text parsers, then the decoder. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mce/mce.h"
#include "mce/mce_text.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

struct seen {
	uint64_t n;
	uint64_t stop_at; /* from the input: stopping early must be safe */
};

static int on_record(void *arg, const struct mce_record *r)
{
	struct seen *s = arg;
	struct mce_decoded d;
	char line[256];

	check(r->record_len == 0);
	if (mce_decode(r, &d) == 0)
		check(mce_severity_name(d.severity) != NULL);
	mce_describe(r, &d, line, sizeof(line));
	s->n++;
	return s->stop_at != 0 && s->n >= s->stop_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* First byte: format in its low two bits (auto, binary, mcelog, dmesg),
 * and in the rest the record after which the callback asks to stop. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mce_text_result res;
	struct seen s = {0, 0};
	enum mce_format fmt, guess;
	size_t i;
	int rc;

	if (size < 1)
		return 0;
	fmt = (enum mce_format)(data[0] & 3);
	s.stop_at = data[0] >> 2;
	data++;
	size--;
	guess = mce_format_detect(data, size);
	check(guess != MCE_FORMAT_AUTO);
	rc = mce_text_parse((const char *)data, size, fmt, "fuzz", on_record,
	                    &s, &res);
	check(res.n_errors <= MCE_TEXT_MAX_ERRORS);
	for (i = 0; i < res.n_errors; i++)
		check(memchr(res.errors[i], '\0', MCE_TEXT_ERROR_LEN) != NULL);
	if (rc < 0) {
		check(fmt == MCE_FORMAT_BINARY ||
		      (fmt == MCE_FORMAT_AUTO && guess == MCE_FORMAT_BINARY));
		check(s.n == 0);
		return 0;
	}
	check(res.records == s.n);
	check(res.stopped == (s.stop_at != 0 && s.n == s.stop_at));
	check(res.n_errors == (res.rejected < MCE_TEXT_MAX_ERRORS
	                           ? res.rejected
	                           : MCE_TEXT_MAX_ERRORS));
	check(res.lines <= size + 1);
	return 0;
}
