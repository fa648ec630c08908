/* refdecode.c - the differential test of rasd's decoder: every record of the
 * reference set decoded and compared, field by field, with mcelog's and
 * rasdaemon's printed text; a difference passes only by a decision. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mce/mce.h"
#include "mce/mce_text.h"

/*
 * The reference set is ../shared/reference-decodes (its README.md says how
 * it was made): per Intel family FAM.txt (records as mcelog's log text),
 * FAM.mcelog.txt and FAM.rasdaemon.txt; per AMD family FAM.bin (128-byte
 * struct mce records) and FAM.rasdaemon.txt.
 *
 * Each reference's text is turned into one value per field, in rasd's
 * words: "" when the reference does not speak of the field for that
 * record, "-" when it says there is none. rasd's decoded record is
 * turned into the same words. A field agrees when rasd matches every
 * reference that speaks of it. Where rasd differs from a reference, or
 * the references differ from each other, a decision (the table under
 * "decisions") must say what rasd prints and why; anything else fails.
 */

#define MAX_RECORDS 4096
#define VAL_LEN     48
#define TEXT_LEN    512

enum field {
	F_SEVERITY,
	F_KIND,
	F_BANK,
	F_LEVEL,
	F_CHANNEL,
	F_CSROW,
	F_ADDR,
	NFIELDS,
};

static const char *const field_names[NFIELDS] = {
    "severity", "kind", "bank", "level", "channel", "csrow", "address",
};

enum ref {
	R_MCELOG,
	R_RASDAEMON,
	NREFS,
};

static const char *const ref_names[NREFS] = {"mcelog", "rasdaemon"};

enum family {
	FAM_SKX,
	FAM_HSX,
	FAM_CLX,
	FAM_ICX,
	FAM_SPR,
	FAM_ZEN2,
	FAM_ZEN3,
	FAM_ZEN4,
	NFAMILIES,
};

#define FAMBIT(f)    (1u << (f))
#define FAMS_SKX_CLX (FAMBIT(FAM_SKX) | FAMBIT(FAM_CLX))
#define FAMS_INTEL                                                             \
	(FAMS_SKX_CLX | FAMBIT(FAM_HSX) | FAMBIT(FAM_ICX) | FAMBIT(FAM_SPR))
#define FAMS_AMD (FAMBIT(FAM_ZEN2) | FAMBIT(FAM_ZEN3) | FAMBIT(FAM_ZEN4))

/*
 * mcelog's memdb channel is one number per socket; README.md section
 * "Conventions and disagreements" 3 gives, per model, the banks whose
 * number is controller * stride + channel. On other banks it is CCCC.
 */
struct memdb_banks {
	int lo, hi, stride;
};

struct family_info {
	const char *name;
	bool amd;
	struct memdb_banks memdb[3];
	/* rasdaemon's memory_channel: imc * 3 + CCCC, or 0 for bare CCCC */
	int rasdaemon_stride;
};

static const struct family_info families[NFAMILIES] = {
    [FAM_SKX] = {"skx", false, {{7, 8, 3}, {13, 18, 3}}, 0},
    [FAM_HSX] = {"hsx", false, {{7, 16, 4}}, 0},
    [FAM_CLX] = {"clx", false, {{7, 8, 3}, {13, 18, 3}}, 0},
    [FAM_ICX] = {"icx", false, {{12, 27, 3}}, 3},
    [FAM_SPR] = {"spr", false, {{13, 20, 2}, {30, 31, 2}}, 3},
    [FAM_ZEN2] = {"zen2", true, {{0}}, 0},
    [FAM_ZEN3] = {"zen3", true, {{0}}, 0},
    [FAM_ZEN4] = {"zen4", true, {{0}}, 0},
};

/* One record: what rasd decoded, and every party's words per field. */
struct rec {
	struct mce_record r;
	struct mce_decoded d;
	bool valid;                        /* mce_decode accepted it */
	char ref[NREFS][NFIELDS][VAL_LEN]; /* "" = not spoken of */
	char rasd[NFIELDS][VAL_LEN];
	bool seen[NREFS]; /* the reference has text for this record */
};

struct famdata {
	enum family fam;
	const struct family_info *fi;
	size_t n;
	struct rec *recs;
};

/* ---- small helpers ---- */

static void setv(char *dst, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void setv(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, VAL_LEN, fmt, ap);
	va_end(ap);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The whole file, NUL-terminated; NULL with a message on failure. */
static char *slurp(const char *dir, const char *name, const char *suffix,
                   size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long size;

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "refdecode: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "refdecode: %s: cannot size\n", path);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "refdecode: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

/* Split buf in place into lines; calls fn per line, stops on nonzero. */
static int each_line(char *buf, int (*fn)(void *, char *), void *arg)
{
	char *line = buf, *nl;
	int rc;

	while (*line != '\0') {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		rc = fn(arg, line);
		if (rc != 0)
			return rc;
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return 0;
}

/* ---- mcelog --ascii blocks ---- */

/* What one block says, gathered line by line. */
struct mcelog_block {
	long index;
	bool corrected, uncorrected, pcc, srao, srar;
	char mca[TEXT_LEN];
	char unit[VAL_LEN];
	char memdb[VAL_LEN];
	char addr[VAL_LEN];
	int bank;
};

/* mcelog's model decoders open their lines with the unit's name. */
static const struct {
	const char *prefix;
	const char *unit;
} mcelog_units[] = {
    {"MemCtrl:", "iMC"}, {"M2M:", "M2M"}, {"UPI:", "UPI"},
    {"QPI:", "QPI"},     {"PCU:", "PCU"}, {"HBM:", "HBM"},
};

static void mcelog_unit(struct mcelog_block *b, const char *line)
{
	size_t i;

	if (b->unit[0] != '\0')
		return;
	for (i = 0; i < sizeof(mcelog_units) / sizeof(mcelog_units[0]); i++)
		if (starts(line, mcelog_units[i].prefix))
			setv(b->unit, "%s", mcelog_units[i].unit);
}

static void mcelog_addr(struct mcelog_block *b, const char *line)
{
	const char *p = strstr(line, "ADDR ");

	if ((starts(line, "MISC ") || starts(line, "ADDR ")) && p != NULL)
		setv(b->addr, "%llx", strtoull(p + 5, NULL, 16));
}

static void mcelog_line(struct mcelog_block *b, const char *line)
{
	if (!strcmp(line, "Corrected error"))
		b->corrected = true;
	else if (!strcmp(line, "Uncorrected error"))
		b->uncorrected = true;
	else if (!strcmp(line, "Processor context corrupt"))
		b->pcc = true;
	else if (!strcmp(line, "SRAO"))
		b->srao = true;
	else if (!strcmp(line, "SRAR"))
		b->srar = true;
	else if (starts(line, "MCA: "))
		snprintf(b->mca, sizeof(b->mca), "%s", line + 5);
	else if (starts(line, "# memdb channel: "))
		setv(b->memdb, "%s", line + 17);
	else if (starts(line, "CPU ") && strstr(line, " BANK ") != NULL)
		b->bank = atoi(strstr(line, " BANK ") + 6);
	mcelog_unit(b, line);
	mcelog_addr(b, line);
}

/*
 * The SDM's words for an uncorrected error: PCC set is fatal, S and AR
 * are SRAR, S alone SRAO, none of them UCNA (SDM Vol. 3B "UCR Error
 * Classification"); README.md convention 4: neither reference prints
 * "UCNA", an uncorrected error without PCC, S or AR reads "Uncorrected
 * error" alone.
 */
static const char *intel_severity(bool corrected, bool uncorrected, bool pcc,
                                  bool srao, bool srar)
{
	if (corrected)
		return pcc ? "corrected+pcc" : "corrected";
	if (!uncorrected)
		return "";
	if (pcc)
		return "fatal";
	if (srar)
		return "srar";
	if (srao)
		return "srao";
	return "ucna";
}

/*
 * The architectural class of an Intel MCA text, as both references
 * print it ("MEMORY CONTROLLER RD_CHANNEL1_ERR", "Data CACHE Level-1
 * Data-Read Error", "BUS error: ...", "Instruction TLB Level-0 Error",
 * "Internal parity error"). The level is the number after "Level-" of a
 * cache or TLB text, as printed.
 */
static void intel_class(const char *text, char *kind, char *level)
{
	const char *lv = strstr(text, "Level-");

	kind[0] = level[0] = '\0';
	if (strstr(text, "MEMORY CONTROLLER") != NULL)
		setv(kind, "memory");
	else if (starts(text, "BUS") || strstr(text, "mca=BUS") != NULL)
		setv(kind, "bus");
	else if (strstr(text, " CACHE Level-") != NULL)
		setv(kind, "cache");
	else if (strstr(text, " TLB Level-") != NULL)
		setv(kind, "tlb");
	else if (strstr(text, "Internal") != NULL)
		setv(kind, "internal");
	else if (text[0] != '\0')
		setv(kind, "unknown");
	if ((!strcmp(kind, "cache") || !strcmp(kind, "tlb")) && lv != NULL)
		setv(level, "%d", atoi(lv + 6));
}

/* A memdb number back to controller/channel, by the model's banks. */
static void memdb_channel(const struct family_info *fi, int bank,
                          const char *memdb, char *out)
{
	int m, i;

	if (memdb[0] == '\0' || !strcmp(memdb, "-")) {
		setv(out, "%s", memdb);
		return;
	}
	m = atoi(memdb);
	for (i = 0; i < 3 && fi->memdb[i].stride != 0; i++)
		if (bank >= fi->memdb[i].lo && bank <= fi->memdb[i].hi) {
			setv(out, "%d/%d", m / fi->memdb[i].stride,
			     m % fi->memdb[i].stride);
			return;
		}
	setv(out, "?/%d", m);
}

static void mcelog_finish(struct famdata *fd, const struct mcelog_block *b)
{
	struct rec *rc;
	char(*v)[VAL_LEN];

	if (b->index < 0 || (size_t)b->index >= fd->n)
		return;
	rc = &fd->recs[b->index];
	v = rc->ref[R_MCELOG];
	rc->seen[R_MCELOG] = true;
	setv(v[F_SEVERITY], "%s",
	     intel_severity(b->corrected, b->uncorrected, b->pcc, b->srao,
	                    b->srar));
	intel_class(b->mca, v[F_KIND], v[F_LEVEL]);
	setv(v[F_BANK], "%s", b->unit);
	memdb_channel(fd->fi, b->bank, b->memdb, v[F_CHANNEL]);
	setv(v[F_ADDR], "%s", b->addr[0] != '\0' ? b->addr : "-");
}

struct mcelog_parse {
	struct famdata *fd;
	struct mcelog_block b;
	bool open;
};

static int mcelog_each(void *arg, char *line)
{
	struct mcelog_parse *p = arg;
	char *end;
	long n;

	if (starts(line, "MCE ")) {
		n = strtol(line + 4, &end, 10);
		if (*end == '\0') {
			if (p->open)
				mcelog_finish(p->fd, &p->b);
			memset(&p->b, 0, sizeof(p->b));
			p->b.index = n;
			p->b.bank = -1;
			p->open = true;
			return 0;
		}
	}
	if (p->open)
		mcelog_line(&p->b, line);
	return 0;
}

static int read_mcelog(const char *dir, struct famdata *fd)
{
	struct mcelog_parse p = {fd, {0}, false};
	size_t len;
	char *buf = slurp(dir, fd->fi->name, ".mcelog.txt", &len);

	if (buf == NULL)
		return -1;
	each_line(buf, mcelog_each, &p);
	if (p.open)
		mcelog_finish(fd, &p.b);
	free(buf);
	return 0;
}

/* ---- rasdaemon lines ---- */

/* Copies what follows key, up to the first of the stop characters. */
static bool after(const char *s, const char *key, const char *stop, char *out,
                  size_t len)
{
	const char *p = strstr(s, key);
	size_t n;

	if (p == NULL)
		return false;
	p += strlen(key);
	n = strcspn(p, stop);
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static void rasdaemon_addr(const char *text, char *out)
{
	char hex[VAL_LEN];

	if (after(text, ", addr= ", ",", hex, sizeof(hex)))
		setv(out, "%llx", strtoull(hex, NULL, 16));
	else
		setv(out, "-");
}

/* rasdaemon's model decoders name these units in their text. */
static const struct {
	const char *needle;
	const char *unit;
} rasdaemon_intel_units[] = {
    {"MemCtrl:", "iMC"}, {"M2M:", "M2M"},         {"UPI:", "UPI"},
    {"PCU:", "PCU"},     {"PCU Internal", "PCU"}, {"Intel QPI", "QPI"},
    {"HBM:", "HBM"},
};

static void rasdaemon_intel_unit(const char *text, char *out)
{
	size_t i, n = sizeof(rasdaemon_intel_units) /
	              sizeof(rasdaemon_intel_units[0]);

	out[0] = '\0';
	for (i = 0; i < n; i++)
		if (strstr(text, rasdaemon_intel_units[i].needle) != NULL) {
			setv(out, "%s", rasdaemon_intel_units[i].unit);
			return;
		}
}

static void rasdaemon_intel(const struct family_info *fi, const char *text,
                            char (*v)[VAL_LEN])
{
	char mci[TEXT_LEN] = "", ch[VAL_LEN];
	int c;

	after(text, "mci=", ",", mci, sizeof(mci));
	setv(v[F_SEVERITY], "%s",
	     intel_severity(strstr(mci, "Corrected_error") != NULL,
	                    strstr(mci, "Uncorrected_error") != NULL,
	                    strstr(mci, "Processor_context_corrupt") != NULL,
	                    strstr(mci, "SRAO") != NULL,
	                    strstr(mci, "SRAR") != NULL));
	intel_class(strstr(text, "status= ") != NULL ? strstr(text, "status= ")
	                                             : text,
	            v[F_KIND], v[F_LEVEL]);
	rasdaemon_intel_unit(text, v[F_BANK]);
	if (after(text, "memory_channel=", ", ", ch, sizeof(ch))) {
		c = atoi(ch);
		if (fi->rasdaemon_stride != 0)
			setv(v[F_CHANNEL], "%d/%d", c / fi->rasdaemon_stride,
			     c % fi->rasdaemon_stride);
		else
			setv(v[F_CHANNEL], "?/%d", c);
	}
	rasdaemon_addr(text, v[F_ADDR]);
}

/* rasdaemon's SMCA unit names (mce-amd-smca.c) to rasd's short ones. */
static const struct {
	const char *name;
	const char *unit;
} smca_units[] = {
    {"Load Store Unit", "LS"},
    {"Instruction Fetch Unit", "IF"},
    {"L2 Cache", "L2"},
    {"Decode Unit", "DE"},
    {"Execution Unit", "EX"},
    {"Floating Point Unit", "FP"},
    {"L3 Cache", "L3"},
    {"Coherent Slave", "CS"},
    {"Power, Interrupts, etc.", "PIE"},
    {"Unified Memory Controller", "UMC"},
    {"Parameter Block", "PB"},
    {"Platform Security Processor", "PSP"},
    {"System Management Unit", "SMU"},
    {"Microprocessor 5 Unit", "MP5"},
    {"Northbridge IO Unit", "NBIO"},
    {"PCI Express Unit", "PCIE"},
};

static void smca_unit(const char *name, char *out)
{
	size_t i;

	for (i = 0; i < sizeof(smca_units) / sizeof(smca_units[0]); i++)
		if (!strcmp(name, smca_units[i].name)) {
			setv(out, "%s", smca_units[i].unit);
			return;
		}
	setv(out, "?%s", name);
}

/*
 * README.md conventions 6 and 8: every uncorrected error reads "software
 * containable" whatever PCC says, so PCC is taken from mci=; the APM's
 * error code classes are "Memory Error" (the memory hierarchy: DRAM in
 * the UMC, a cache elsewhere), "TLB Error", "Bus Error", "Internal".
 */
static const char *amd_severity(const char *text, const char *mci)
{
	if (strstr(text, "Corrected error, no action") != NULL)
		return "corrected";
	if (strstr(text, "Deferred error") != NULL)
		return "deferred";
	if (strstr(mci, "Processor_context_corrupt") != NULL)
		return "fatal";
	return "uncorrected";
}

static void amd_class(const char *text, const char *unit, char *kind,
                      char *level)
{
	char lv[VAL_LEN];

	kind[0] = level[0] = '\0';
	if (strstr(text, " Memory Error '") != NULL)
		setv(kind, "%s", !strcmp(unit, "UMC") ? "memory" : "cache");
	else if (strstr(text, " TLB Error '") != NULL)
		setv(kind, "tlb");
	else if (strstr(text, " Bus Error '") != NULL)
		setv(kind, "bus");
	else if (strstr(text, " Internal '") != NULL)
		setv(kind, "internal");
	else
		setv(kind, "unknown");
	if (strcmp(kind, "cache") != 0 && strcmp(kind, "tlb") != 0)
		return;
	if (!after(text, "level: ", "',", lv, sizeof(lv)))
		return;
	if (!strcmp(lv, "L1") || !strcmp(lv, "L2"))
		setv(level, "%c", lv[1]);
	else if (!strcmp(lv, "L3/generic"))
		setv(level, "3");
	else
		setv(level, "-");
}

static void rasdaemon_amd(const char *text, char (*v)[VAL_LEN])
{
	char mci[TEXT_LEN] = "", name[VAL_LEN] = "", cs[VAL_LEN];

	after(text, "mci=", ",", mci, sizeof(mci));
	after(text, "+0000 ", "(", name, sizeof(name));
	if (name[0] != '\0' && name[strlen(name) - 1] == ' ')
		name[strlen(name) - 1] = '\0';
	setv(v[F_SEVERITY], "%s", amd_severity(text, mci));
	smca_unit(name, v[F_BANK]);
	amd_class(text, v[F_BANK], v[F_KIND], v[F_LEVEL]);
	if (after(text, "memory_channel=", ",", cs, sizeof(cs)))
		setv(v[F_CHANNEL], "%d", atoi(cs));
	if (after(text, ",csrow=", ",", cs, sizeof(cs)))
		setv(v[F_CSROW], "%d", atoi(cs));
	rasdaemon_addr(text, v[F_ADDR]);
}

static int rasdaemon_each(void *arg, char *line)
{
	struct famdata *fd = arg;
	char *tab, *end;
	long n;
	struct rec *rc;

	tab = strchr(line, '\t');
	if (tab == NULL)
		return 0;
	n = strtol(line, &end, 10);
	if (end != tab || n < 0 || (size_t)n >= fd->n)
		return 0;
	rc = &fd->recs[n];
	rc->seen[R_RASDAEMON] = true;
	if (fd->fi->amd)
		rasdaemon_amd(tab + 1, rc->ref[R_RASDAEMON]);
	else
		rasdaemon_intel(fd->fi, tab + 1, rc->ref[R_RASDAEMON]);
	return 0;
}

static int read_rasdaemon(const char *dir, struct famdata *fd)
{
	size_t len;
	char *buf = slurp(dir, fd->fi->name, ".rasdaemon.txt", &len);

	if (buf == NULL)
		return -1;
	each_line(buf, rasdaemon_each, fd);
	free(buf);
	return 0;
}

/* ---- rasd's side ---- */

static int add_record(void *arg, const struct mce_record *r)
{
	struct famdata *fd = arg;

	if (fd->n >= MAX_RECORDS)
		return 1;
	fd->recs[fd->n++].r = *r;
	return 0;
}

static int read_text_records(const char *dir, struct famdata *fd)
{
	struct mce_text_result *res = calloc(1, sizeof(*res));
	size_t len;
	char *buf = slurp(dir, fd->fi->name, ".txt", &len);
	int rc = -1;

	if (buf == NULL || res == NULL)
		goto out;
	if (mce_text_parse(buf, len, MCE_FORMAT_MCELOG, fd->fi->name,
	                   add_record, fd, res) < 0 ||
	    res->rejected > 0) {
		fprintf(stderr, "refdecode: %s.txt: %s\n", fd->fi->name,
		        res->n_errors > 0 ? res->errors[0] : "rejected blocks");
		goto out;
	}
	rc = 0;
out:
	free(buf);
	free(res);
	return rc;
}

/* The records at the length rasctl decode would tell from the file. */
static int read_binary_records(const char *dir, struct famdata *fd)
{
	struct mce_len_guess g;
	size_t len, off;
	char *buf = slurp(dir, fd->fi->name, ".bin", &len);
	char err[128];

	if (buf == NULL)
		return -1;
	if (mce_record_len_guess(buf, len, &g) < 0 || g.leftover != 0) {
		fprintf(stderr, "refdecode: %s.bin: no record length fits\n",
		        fd->fi->name);
		free(buf);
		return -1;
	}
	for (off = 0; off < len && fd->n < MAX_RECORDS; off += g.record_len) {
		if (mce_record_parse(buf + off, g.record_len,
		                     &fd->recs[fd->n].r, err, sizeof(err)) < 0)
			break;
		fd->n++;
	}
	free(buf);
	return off == len ? 0 : -1;
}

/* rasd's bank name in the references' words: Intel's unit is its first
 * word ("iMC 0 channel 1" is an iMC), an SMCA unit its whole name. */
static void rasd_bank(const struct famdata *fd, const struct mce_decoded *d,
                      char *out)
{
	size_t n;

	if (d->bank_name == NULL) {
		setv(out, "-");
		return;
	}
	n = fd->fi->amd ? strlen(d->bank_name) : strcspn(d->bank_name, " ");
	setv(out, "%.*s", (int)n, d->bank_name);
}

static void rasd_values(const struct famdata *fd, struct rec *rc)
{
	const struct mce_decoded *d = &rc->d;
	char(*v)[VAL_LEN] = rc->rasd;
	int f;

	if (!rc->valid) { /* VAL clear: rasd has nothing to say */
		for (f = 0; f < NFIELDS; f++)
			setv(v[f], "invalid");
		return;
	}
	setv(v[F_SEVERITY], "%s", mce_severity_name(d->severity));
	setv(v[F_KIND], "%s", mce_kind_name(d->kind));
	rasd_bank(fd, d, v[F_BANK]);
	if (d->cache_level > 0)
		setv(v[F_LEVEL], "%d", d->cache_level);
	else
		setv(v[F_LEVEL], "-");
	if (d->channel < 0)
		setv(v[F_CHANNEL], "-");
	else if (fd->fi->amd)
		setv(v[F_CHANNEL], "%d", d->channel);
	else if (d->controller >= 0)
		setv(v[F_CHANNEL], "%d/%d", d->controller, d->channel);
	else
		setv(v[F_CHANNEL], "?/%d", d->channel);
	if (d->chip_select >= 0)
		setv(v[F_CSROW], "%d", d->chip_select);
	else
		setv(v[F_CSROW], "-");
	if (d->addrv)
		setv(v[F_ADDR], "%" PRIx64, rc->r.addr);
	else
		setv(v[F_ADDR], "-");
}

static void decode_all(struct famdata *fd)
{
	size_t i;

	for (i = 0; i < fd->n; i++) {
		struct rec *rc = &fd->recs[i];

		rc->valid = mce_decode(&rc->r, &rc->d) == 0;
		rasd_values(fd, rc);
	}
}

/* ---- comparison ---- */

/*
 * "?/C" (the channel without its controller, as rasdaemon prints on
 * Haswell and Skylake) matches any controller; everything else must be
 * equal. `want` is a reference's value or a decision's, `got` rasd's.
 */
static bool matches(enum field f, const char *want, const char *got)
{
	if (f == F_CHANNEL && starts(want, "?/")) {
		const char *slash = strchr(got, '/');

		return slash != NULL && !strcmp(slash, want + 1);
	}
	return !strcmp(want, got);
}

/* Two references contradict each other (each read as the other's want). */
static bool refs_conflict(enum field f, const char *a, const char *b)
{
	if (a[0] == '\0' || b[0] == '\0')
		return false;
	return !matches(f, a, b) && !matches(f, b, a);
}

struct cmp {
	enum family fam;
	enum field field;
	size_t index;
	const struct rec *rc;
};

struct decision {
	const char *id;
	unsigned int families;
	enum field field;
	bool (*applies)(const struct cmp *c);
	void (*expect)(const struct cmp *c, char *out);
};

/* ---- decisions ---- */

/* What a reference says of the record's field, "" when silent. */
static const char *said(const struct cmp *c, enum ref r, enum field f)
{
	return c->rc->ref[r][f];
}

/* Every reference that speaks of the field says `value`. */
static bool refs_say(const struct cmp *c, enum field f, const char *value)
{
	bool any = false;
	size_t i;

	for (i = 0; i < NREFS; i++) {
		if (said(c, (enum ref)i, f)[0] == '\0')
			continue;
		if (strcmp(said(c, (enum ref)i, f), value) != 0)
			return false;
		any = true;
	}
	return any;
}

static bool rasd_bank_is(const struct cmp *c, const char *const *names)
{
	for (; *names != NULL; names++)
		if (!strcmp(c->rc->rasd[F_BANK], *names))
			return true;
	return false;
}

static unsigned int mcacod_ll(const struct cmp *c)
{
	return (unsigned int)(c->rc->r.status & 0x3);
}

/*
 * Intel cache and TLB levels. mcelog prints a cache's LL plus one,
 * rasdaemon LL itself (README.md convention 1); both print a TLB's LL.
 * The SDM (Vol. 3B, "Compound Error Codes", level encoding) counts LL
 * from 0 and its own codes show what level 0 is: the SRAR data load
 * (0x134) comes from the first-level data cache (DCU, bank 1) and the
 * SRAO "L3 explicit writeback" (0x17A, Table "MCA Error Codes for SRAO")
 * has LL=10. So rasd's cache_level is LL + 1, the hierarchy level an
 * operator and the bank's identity use (DCU/IFU L1, MLC L2, CHA/CBo
 * L3), for TLBs too: it is the same field of the same encoding, and the
 * DTLB bank's LL=00 is its first level. LL=11 is "generic": the LLC
 * banks say L3, others nothing.
 */
static void expect_intel_level(const struct cmp *c, char *out)
{
	unsigned int ll = mcacod_ll(c);
	const char *bank = c->rc->d.bank_name;

	if (ll < 3)
		setv(out, "%u", ll + 1);
	else if (bank != NULL && strstr(bank, "(LLC)") != NULL)
		setv(out, "3");
	else
		setv(out, "-");
}

static bool intel_cache_level(const struct cmp *c)
{
	return !strcmp(said(c, R_MCELOG, F_KIND), "cache");
}

static bool intel_tlb_level(const struct cmp *c)
{
	return !strcmp(said(c, R_MCELOG, F_KIND), "tlb");
}

/*
 * The SDM's compound class 000F 1PPT RRRR IILL is "bus and interconnect
 * errors" (Vol. 3B); both references say BUS. Logged by a socket link
 * (Intel QPI/UPI banks, SDM model sections: MC5, MC12, MC19, MC20,
 * MC21) or AMD's data fabric (Coherent Slave and PIE, PPR "MCA_IPID"
 * HardwareID 2Eh) it is an error of the interconnect between sockets
 * and dies, which rasd calls "interconnect" so that a failing link is
 * told from an I/O bus error (the IIO's 0x0E0B stays "bus").
 */
static const char *const link_units[] = {
    "UPI",      "QPI",     "CS",      "PIE",      "xGMI PCS",
    "xGMI PHY", "GMI PCS", "GMI PHY", "WAFL PHY", NULL,
};

static bool link_bus(const struct cmp *c)
{
	return refs_say(c, F_KIND, "bus") && rasd_bank_is(c, link_units);
}

static void expect_interconnect(const struct cmp *c, char *out)
{
	(void)c;
	setv(out, "interconnect");
}

/*
 * AMD uncorrected errors without PCC. rasdaemon's decode_amd_errcode()
 * calls every uncorrected error "software containable" (README.md
 * convention 6), which is no severity. Linux's mce_severity_amd()
 * (arch/x86/kernel/cpu/mce/severity.c) grades UC without PCC or Deferred
 * MCE_AR_SEVERITY, action required: the consuming process is killed and
 * the page poisoned. It panics instead only without MCA overflow
 * recovery or SUCCOR (CPUID Fn8000_0007_EBX bits 0 and 1, present on
 * every SMCA part: PPR "CPUID_Fn80000007_EBX") or in kernel context,
 * and a record delivered to a running host was survived. rasd: srar.
 */
static bool amd_uncorrected(const struct cmp *c)
{
	return !strcmp(said(c, R_RASDAEMON, F_SEVERITY), "uncorrected");
}

static void expect_srar(const struct cmp *c, char *out)
{
	(void)c;
	setv(out, "srar");
}

/*
 * An AMD memory-hierarchy error code (0000 0001 RRRR TTLL) from a unit
 * that holds no memory. rasdaemon prints the class ("Memory Error"),
 * which rasd would call cache. The records are execution-unit watchdog
 * timeouts, MCACOD 0x0108 (generic request, generic transaction, level
 * reserved: the code carries nothing) with ErrorCodeExt 0, "watchdog
 * timeout" (PPR "MCA_STATUS_EX"; Linux mce_amd.c smca_ex_mce_desc[0]):
 * the core stopped retiring instructions, an internal error of the core,
 * and Linux counts no SMCA error but a UMC DRAM ECC error as a memory
 * error (amd_mce_is_memory_error()). rasd keeps the unit's kind.
 */
static const char *const core_pipeline_units[] = {"EX", "DE", "FP", NULL};

static bool amd_memory_class_off_memory(const struct cmp *c)
{
	return !strcmp(said(c, R_RASDAEMON, F_KIND), "cache") &&
	       rasd_bank_is(c, core_pipeline_units);
}

static void expect_internal(const struct cmp *c, char *out)
{
	(void)c;
	setv(out, "internal");
}

/*
 * Sapphire Rapids channels. rasdaemon 0.8.5 numbers SPR's iMC banks with
 * the Ice Lake table (README.md convention 3: 13-15 iMC 0, 16-19 iMC 1,
 * 20 iMC 2), but SPR has four iMCs of two channels in banks 13-20, imc =
 * (bank - 13) / 2, channel = bank % 2 (Linux drivers/edac/i10nm_base.c;
 * mcelog sapphire.c sapphire_memerr_misc). rasd follows mcelog.
 */
static bool spr_ddr_channel(const struct cmp *c)
{
	return c->rc->r.bank >= 13 && c->rc->r.bank <= 20 &&
	       refs_conflict(F_CHANNEL, said(c, R_MCELOG, F_CHANNEL),
	                     said(c, R_RASDAEMON, F_CHANNEL));
}

static void expect_mcelog(const struct cmp *c, char *out)
{
	setv(out, "%s", said(c, R_MCELOG, c->field));
}

/*
 * Sapphire Rapids HBM banks 30 and 31. mcelog's memdb files them as
 * channels 8 and 9 of the socket (sapphire.c: 8 + bank - 30, CCCC
 * ignored), a slot after the eight DDR channels. Two banks cannot name
 * the channel of sixteen HBM controllers of two channels each (Linux
 * skx_common.h I10NM_NUM_HBM_IMC, I10NM_NUM_HBM_CHANNELS): rasd keeps
 * CCCC, the channel within an HBM controller it cannot name.
 */
static bool spr_hbm_channel(const struct cmp *c)
{
	return c->rc->r.bank == 30 || c->rc->r.bank == 31;
}

static void expect_cccc(const struct cmp *c, char *out)
{
	setv(out, "?/%u", (unsigned int)(c->rc->r.status & 0xf));
}

/*
 * Where rasd and the references part, or the references part from each
 * other, one of these says what rasd prints; each cites its source above.
 * The first whose families, field and condition fit the record decides.
 */
static const struct decision decisions[] = {
    {"intel-cache-level-is-ll+1", FAMS_INTEL, F_LEVEL, intel_cache_level,
     expect_intel_level},
    {"intel-tlb-level-is-ll+1", FAMS_INTEL, F_LEVEL, intel_tlb_level,
     expect_intel_level},
    {"link-bus-error-is-interconnect", FAMS_INTEL | FAMS_AMD, F_KIND, link_bus,
     expect_interconnect},
    {"amd-uncorrected-is-action-required", FAMS_AMD, F_SEVERITY,
     amd_uncorrected, expect_srar},
    {"amd-core-watchdog-is-internal", FAMS_AMD, F_KIND,
     amd_memory_class_off_memory, expect_internal},
    {"spr-channel-follows-mcelog", FAMBIT(FAM_SPR), F_CHANNEL, spr_ddr_channel,
     expect_mcelog},
    {"spr-hbm-channel-is-cccc", FAMBIT(FAM_SPR), F_CHANNEL, spr_hbm_channel,
     expect_cccc},
    {NULL, 0, F_SEVERITY, NULL, NULL},
};

enum outcome {
	O_NONE,      /* no reference speaks of it */
	O_AGREE,     /* rasd matches every reference that does */
	O_DECIDED,   /* a decision explains the difference, rasd follows */
	O_UNDECIDED, /* a difference nobody decided */
	O_WRONG,     /* a decision applies and rasd does not follow it */
};

struct tally {
	unsigned int compared, agree, decided, failed;
	/* per reference: records it speaks of, and rasd matches it on */
	unsigned int ref_spoke[NREFS], ref_agree[NREFS];
};

struct run {
	bool verbose;
	unsigned int shown; /* failures printed, capped */
	struct tally t[NFAMILIES][NFIELDS];
	unsigned int used[sizeof(decisions) / sizeof(decisions[0])];
};

static const struct decision *find_decision(const struct cmp *c, size_t *idx)
{
	size_t i;

	for (i = 0; decisions[i].id != NULL; i++) {
		const struct decision *dc = &decisions[i];

		if (!(dc->families & FAMBIT(c->fam)) || dc->field != c->field)
			continue;
		if (dc->applies(c)) {
			*idx = i;
			return dc;
		}
	}
	return NULL;
}

static bool spoken(const struct rec *rc, enum field f)
{
	size_t i;
	bool any = false, all_none = !strcmp(rc->rasd[f], "-");

	for (i = 0; i < NREFS; i++) {
		if (rc->ref[i][f][0] == '\0')
			continue;
		any = true;
		if (strcmp(rc->ref[i][f], "-") != 0)
			all_none = false;
	}
	return any && !all_none;
}

static bool all_agree(const struct rec *rc, enum field f)
{
	size_t i;

	for (i = 0; i < NREFS; i++)
		if (rc->ref[i][f][0] != '\0' &&
		    !matches(f, rc->ref[i][f], rc->rasd[f]))
			return false;
	return !refs_conflict(f, rc->ref[R_MCELOG][f], rc->ref[R_RASDAEMON][f]);
}

static void show_failure(struct run *run, const struct cmp *c, const char *why,
                         const char *want)
{
	const struct rec *rc = c->rc;

	if (!run->verbose && run->shown >= 20)
		return;
	run->shown++;
	printf("  %s record %zu %s: %s: mcelog '%s' rasdaemon '%s' rasd '%s'"
	       "%s%s (status 0x%" PRIx64 " bank %u)\n",
	       families[c->fam].name, c->index, field_names[c->field], why,
	       rc->ref[R_MCELOG][c->field], rc->ref[R_RASDAEMON][c->field],
	       rc->rasd[c->field], want != NULL ? " decision wants " : "",
	       want != NULL ? want : "", rc->r.status, rc->r.bank);
}

static enum outcome compare_one(struct run *run, const struct cmp *c)
{
	const struct decision *dc;
	char want[VAL_LEN];
	size_t idx = 0;

	if (!spoken(c->rc, c->field))
		return O_NONE;
	if (all_agree(c->rc, c->field))
		return O_AGREE;
	dc = find_decision(c, &idx);
	if (dc == NULL) {
		show_failure(run, c, "undecided", NULL);
		return O_UNDECIDED;
	}
	want[0] = '\0';
	dc->expect(c, want);
	if (!matches(c->field, want, c->rc->rasd[c->field])) {
		show_failure(run, c, dc->id, want);
		return O_WRONG;
	}
	run->used[idx]++;
	return O_DECIDED;
}

static void tally_refs(struct tally *t, const struct rec *rc, enum field f)
{
	size_t i;

	for (i = 0; i < NREFS; i++) {
		if (rc->ref[i][f][0] == '\0')
			continue;
		t->ref_spoke[i]++;
		if (matches(f, rc->ref[i][f], rc->rasd[f]))
			t->ref_agree[i]++;
	}
}

static void compare_family(struct run *run, const struct famdata *fd)
{
	struct cmp c = {fd->fam, F_SEVERITY, 0, NULL};
	struct tally *t;
	size_t i;
	int f;

	for (i = 0; i < fd->n; i++) {
		c.index = i;
		c.rc = &fd->recs[i];
		for (f = 0; f < NFIELDS; f++) {
			c.field = (enum field)f;
			t = &run->t[fd->fam][f];
			switch (compare_one(run, &c)) {
			case O_NONE:
				continue;
			case O_AGREE:
				t->agree++;
				break;
			case O_DECIDED:
				t->decided++;
				break;
			case O_UNDECIDED:
			case O_WRONG:
				t->failed++;
				break;
			}
			t->compared++;
			tally_refs(t, c.rc, c.field);
		}
	}
}

/* ---- loading a family ---- */

static int check_coverage(const struct famdata *fd)
{
	size_t i, r;

	if (fd->n == 0) {
		fprintf(stderr, "refdecode: %s: no records\n", fd->fi->name);
		return -1;
	}
	for (i = 0; i < fd->n; i++)
		for (r = 0; r < NREFS; r++) {
			if (r == R_MCELOG && fd->fi->amd)
				continue;
			if (!fd->recs[i].seen[r]) {
				fprintf(stderr,
				        "refdecode: %s: record %zu missing "
				        "from %s's output\n",
				        fd->fi->name, i, ref_names[r]);
				return -1;
			}
		}
	return 0;
}

static int load_family(const char *dir, struct famdata *fd)
{
	int rc;

	if (fd->fi->amd)
		rc = read_binary_records(dir, fd);
	else
		rc = read_text_records(dir, fd);
	if (rc < 0)
		return -1;
	if (!fd->fi->amd && read_mcelog(dir, fd) < 0)
		return -1;
	if (read_rasdaemon(dir, fd) < 0)
		return -1;
	if (check_coverage(fd) < 0)
		return -1;
	decode_all(fd);
	return 0;
}

/* ---- the table ---- */

static void print_cell(const struct tally *t)
{
	char cell[32];

	if (t->compared == 0)
		snprintf(cell, sizeof(cell), "-");
	else if (t->decided > 0)
		snprintf(cell, sizeof(cell), "%u+%ud/%u", t->agree, t->decided,
		         t->compared);
	else
		snprintf(cell, sizeof(cell), "%u/%u", t->agree, t->compared);
	printf(" %-14s", cell);
}

static void print_ref_cell(const struct tally *t, enum ref r)
{
	char cell[32];

	if (t->ref_spoke[r] == 0)
		snprintf(cell, sizeof(cell), "-");
	else
		snprintf(cell, sizeof(cell), "%u/%u", t->ref_agree[r],
		         t->ref_spoke[r]);
	printf(" %-14s", cell);
}

static void print_header(void)
{
	int f;

	printf("%-6s", "family");
	for (f = 0; f < NFIELDS; f++)
		printf(" %-14s", field_names[f]);
	printf("\n");
}

/* One row per family; `r` NREFS for the combined cell, else one ref's. */
static void print_rows(const struct run *run, unsigned int done, size_t r)
{
	int fam, f;

	for (fam = 0; fam < NFAMILIES; fam++) {
		if (!(done & FAMBIT(fam)))
			continue;
		printf("%-6s", families[fam].name);
		for (f = 0; f < NFIELDS; f++) {
			if (r == NREFS)
				print_cell(&run->t[fam][f]);
			else
				print_ref_cell(&run->t[fam][f], (enum ref)r);
		}
		printf("\n");
	}
}

static void print_table(const struct run *run, unsigned int done)
{
	size_t r;

	printf("agreement: records where rasd matches every reference that "
	       "prints the field\n(+Nd: differences a decision explains) / "
	       "records compared\n");
	print_header();
	print_rows(run, done, NREFS);
	for (r = 0; r < NREFS; r++) {
		printf("\nrasd = %s: records where rasd matches %s / records "
		       "%s prints the field on\n",
		       ref_names[r], ref_names[r], ref_names[r]);
		print_header();
		print_rows(run, done, r);
	}
	printf("\n");
}

/* Every decision must still be needed, or it no longer tests anything. */
static int report_decisions(const struct run *run, unsigned int done)
{
	size_t i;
	int bad = 0;

	for (i = 0; decisions[i].id != NULL; i++) {
		if (run->used[i] > 0) {
			printf("decision %s: %u records\n", decisions[i].id,
			       run->used[i]);
			continue;
		}
		if ((decisions[i].families & done) != decisions[i].families)
			continue;
		printf("FAIL: decision %s explains no record: remove it\n",
		       decisions[i].id);
		bad = 1;
	}
	return bad;
}

static int family_result(const struct run *run, int fam)
{
	unsigned int failed = 0, compared = 0;
	int f;

	for (f = 0; f < NFIELDS; f++) {
		failed += run->t[fam][f].failed;
		compared += run->t[fam][f].compared;
	}
	if (failed > 0)
		printf("FAIL: %s: %u of %u field comparisons differ with no "
		       "decision, or from their decision\n",
		       families[fam].name, failed, compared);
	else
		printf("PASS: %s: %u field comparisons agree or are "
		       "decided\n",
		       families[fam].name, compared);
	return failed > 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: refdecode [-v] [-f family] DIR\n");
	return 2;
}

static int find_family(const char *name)
{
	int fam;

	for (fam = 0; fam < NFAMILIES; fam++)
		if (!strcmp(families[fam].name, name))
			return fam;
	return -1;
}

static int run_family(struct run *run, const char *dir, int fam)
{
	struct famdata fd = {(enum family)fam, &families[fam], 0, NULL};
	int rc = -1;

	fd.recs = calloc(MAX_RECORDS, sizeof(*fd.recs));
	if (fd.recs == NULL) {
		fprintf(stderr, "refdecode: out of memory\n");
		return -1;
	}
	if (load_family(dir, &fd) == 0) {
		compare_family(run, &fd);
		rc = 0;
	}
	free(fd.recs);
	return rc;
}

int main(int argc, char **argv)
{
	struct run *run = calloc(1, sizeof(*run));
	unsigned int want = 0, done = 0;
	const char *dir = NULL;
	int i, fam, bad = 0;

	if (run == NULL)
		return 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			run->verbose = true;
		else if (!strcmp(argv[i], "-f") && i + 1 < argc) {
			fam = find_family(argv[++i]);
			if (fam < 0)
				return usage();
			want |= FAMBIT(fam);
		} else if (dir == NULL)
			dir = argv[i];
		else
			return usage();
	}
	if (dir == NULL)
		return usage();
	if (want == 0)
		want = (1u << NFAMILIES) - 1;
	for (fam = 0; fam < NFAMILIES; fam++) {
		if (!(want & FAMBIT(fam)))
			continue;
		if (run_family(run, dir, fam) < 0) {
			printf("FAIL: %s: cannot read its references\n",
			       families[fam].name);
			bad = 1;
			continue;
		}
		done |= FAMBIT(fam);
	}
	print_table(run, done);
	bad |= report_decisions(run, done);
	for (fam = 0; fam < NFAMILIES; fam++)
		if (done & FAMBIT(fam))
			bad |= family_result(run, fam);
	free(run);
	return bad;
}
