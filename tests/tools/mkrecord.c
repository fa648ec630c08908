/* mkrecord.c - writes binary struct mce records for tests: each argument
 * "key=value,key=value" is one record; --len picks 88, 112 or 128 bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mce/mce.h"

static int set_field(struct mce_record *r, const char *key,
                     unsigned long long v)
{
	if (!strcmp(key, "status"))
		r->status = v;
	else if (!strcmp(key, "addr"))
		r->addr = v;
	else if (!strcmp(key, "misc"))
		r->misc = v;
	else if (!strcmp(key, "mcgstatus"))
		r->mcgstatus = v;
	else if (!strcmp(key, "mcgcap"))
		r->mcgcap = v;
	else if (!strcmp(key, "cpu"))
		r->extcpu = r->apicid = (uint32_t)v;
	else if (!strcmp(key, "socket"))
		r->socketid = (uint32_t)v;
	else if (!strcmp(key, "bank"))
		r->bank = (uint8_t)v;
	else if (!strcmp(key, "vendor"))
		r->cpuvendor = (uint8_t)v;
	else if (!strcmp(key, "cpuid"))
		r->cpuid = (uint32_t)v;
	else if (!strcmp(key, "ipid"))
		r->ipid = v;
	else if (!strcmp(key, "synd"))
		r->synd = v;
	else
		return -1;
	return 0;
}

static int parse_record(char *spec, struct mce_record *r)
{
	char *save = NULL, *tok;

	memset(r, 0, sizeof(*r));
	for (tok = strtok_r(spec, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		unsigned long long v;

		if (eq == NULL)
			return -1;
		*eq = '\0';
		v = strtoull(eq + 1, &end, 0);
		if (*end != '\0' || set_field(r, tok, v) < 0) {
			fprintf(stderr, "mkrecord: bad field '%s'\n", tok);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char buf[MCE_RECORD_LEN_MAX];
	size_t len = MCE_RECORD_LEN_XEN;
	struct mce_record r;
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "--len")) {
		len = strtoul(argv[2], NULL, 0);
		i = 3;
	}
	for (; i < argc; i++) {
		if (parse_record(argv[i], &r) < 0 ||
		    mce_record_encode(&r, buf, len) < 0) {
			fprintf(stderr, "mkrecord: cannot encode '%s'\n",
			        argv[i]);
			return 1;
		}
		fwrite(buf, 1, len, stdout);
	}
	return 0;
}
