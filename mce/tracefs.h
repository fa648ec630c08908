/* tracefs.h - Linux tracefs as a record source: event format files, raw
 * ring-buffer pages, and the mce:mce_record and ras:mc_event decoders. */
#ifndef RASD_MCE_TRACEFS_H
#define RASD_MCE_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mce/mce.h"

/*
 * Everything here is a pure parser: no file is opened, nothing is
 * allocated, and all state lives in the caller's structs.
 *
 * Byte order: the kernel writes trace data in the host's order and rasd
 * runs on x86_64, so every multi-byte value is read as little-endian
 * (le*toh after a memcpy, never an unaligned load). A capture from a
 * big-endian host is not supported.
 */

#define TRACEFS_NAME_MAX   64 /* field and event names, with the NUL */
#define TRACEFS_TYPE_MAX   96 /* "__data_loc char[]", "unsigned long" */
#define TRACEFS_MAX_FIELDS 64 /* real events have at most ~30 */
#define TRACEFS_ERROR_LEN  192

/*
 * One "field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" line of a format
 * file. A __data_loc field holds a u32 whose low 16 bits are the offset of
 * its data in the record and whose high 16 bits are its length; a
 * __rel_loc field (Linux 5.19+) is the same, its offset counted from the
 * end of the field itself.
 */
struct tracefs_field {
	char name[TRACEFS_NAME_MAX];
	char type[TRACEFS_TYPE_MAX]; /* without the name: "char[16]", "u64" */
	uint32_t offset;
	uint32_t size;
	uint32_t array_len; /* "char comm[16]": 16; 0 when not a number */
	bool is_signed;
	bool array;    /* a fixed array: NAME[N] */
	bool dynamic;  /* __data_loc or __rel_loc */
	bool relative; /* __rel_loc */
	bool common;   /* a common_ header field */
};

/* An event's format file, as /sys/kernel/tracing/events/SYS/EV/format. */
struct tracefs_format {
	char name[TRACEFS_NAME_MAX]; /* "mce_record"; the file has no system */
	uint32_t id;                 /* "ID:", what common_type holds */
	size_t n_fields;
	struct tracefs_field fields[TRACEFS_MAX_FIELDS];
};

/*
 * Parse one format file from `len` bytes of text (need not end in NUL).
 * Parsing stops after the "print fmt:" line and any lines it goes on
 * over (up to a line starting "name:"); *used (if not NULL) gets the
 * bytes consumed, so several concatenated files parse one after another.
 * Unknown fields are kept; unknown lines before "format:" are skipped.
 * Returns 0, or -1 with "NAME:LINE: reason" in err (NAME defaults to
 * "format"): "format:12: no offset".
 */
int tracefs_format_parse(const char *text, size_t len, const char *name,
                         struct tracefs_format *out, size_t *used, char *err,
                         size_t errlen);

/* The field called `name`, or NULL. */
const struct tracefs_field *tracefs_field_find(const struct tracefs_format *f,
                                               const char *name);

/*
 * A scalar field of 1, 2, 4 or 8 bytes in the record `rec` of `len`
 * bytes, sign-extended when the format says signed. -1 when the field is
 * not a scalar of those sizes or does not lie inside the record.
 */
int tracefs_field_u64(const struct tracefs_field *fl, const void *rec,
                      size_t len, uint64_t *out);

/*
 * The data of a __data_loc/__rel_loc field: *data points into rec. -1 when
 * the field is not dynamic or its data does not lie inside the record.
 */
int tracefs_field_dyn(const struct tracefs_field *fl, const void *rec,
                      size_t len, const unsigned char **data, size_t *dlen);

/*
 * A bound event: where each wanted field lies, copied out of the format
 * (so the format may be freed). Filled by the bind functions; callers
 * treat it as opaque.
 */
struct tracefs_slot {
	uint32_t offset;
	uint32_t size;
	bool present;
	bool is_signed;
	bool dynamic;
	bool relative;
};

/*
 * ---- any event, bound by a table of the members its decoder fills ----
 *
 * A member names the field that fills it ("a|b" takes the first of a, b
 * that the format has: fields renamed across kernels), what it must look
 * like, and where it goes in the caller's decoded struct.
 */
enum tracefs_member_kind {
	TRACEFS_NUMBER, /* 1, 2, 4 or 8 bytes, stored at that width */
	TRACEFS_STRING, /* __data_loc char[]: up to cap - 1 bytes and a NUL */
	TRACEFS_BYTES,  /* a fixed array or struct: its first cap bytes;
	                 * cap 0: a field known and not kept (any shape) */
};

struct tracefs_member {
	const char *name;
	uint8_t kind; /* enum tracefs_member_kind */
	uint8_t size; /* NUMBER: the field's size and the member's width;
	               * STRING: 4; BYTES: the least size accepted */
	bool required;
	size_t off; /* offsetof the member in the decoded struct */
	size_t cap; /* STRING, BYTES: bytes of the member */
};

#define TRACEFS_BIND_MAX 48
#define TRACEFS_NOTE_MAX 160

struct tracefs_binding {
	char event[TRACEFS_NAME_MAX];
	uint32_t id;
	size_t min_len; /* a record shorter than this is truncated */
	size_t n;
	struct tracefs_slot slot[TRACEFS_BIND_MAX];
	/* lenient binding: what the format has that the table does not
	 * know, or has in another shape ("fields not known: foo"; "field
	 * tlp_header_valid has size 2, want 1: not read"); "" when none */
	char note[TRACEFS_NOTE_MAX];
};

/*
 * Bind `n` members (at most TRACEFS_BIND_MAX) from a parsed format. A
 * missing required member is an error naming the event and the field
 * ("aer_event: no field status"), and so is one of the wrong shape.
 * Strict binding treats an optional member of the wrong shape the same;
 * lenient binding leaves it out and says so in b->note, with the names
 * of the fields no member asks for: a format the table has not seen
 * still decodes what it can, and says what it could not.
 */
int tracefs_bind(const struct tracefs_format *fmt,
                 const struct tracefs_member *tab, size_t n, bool lenient,
                 struct tracefs_binding *b, char *err, size_t errlen);

/*
 * Fill `out` (zeroed by the caller: absent members stay as they were)
 * from one record through b. -1 with err for a record shorter than its
 * fields or a string outside it; *truncated (may be NULL) says a string
 * was cut to its member.
 */
int tracefs_decode(const struct tracefs_binding *b,
                   const struct tracefs_member *tab, const void *rec,
                   size_t len, void *out, bool *truncated, char *err,
                   size_t errlen);

#define TRACEFS_MCE_SLOTS 19
#define TRACEFS_MC_SLOTS  12

struct tracefs_mce_map {
	uint32_t id;
	size_t min_len; /* a record shorter than this is truncated */
	struct tracefs_slot slot[TRACEFS_MCE_SLOTS];
};

/*
 * mce:mce_record (include/trace/events/mce.h) fields are found by name:
 * status, bank and cpu are required; mcgcap, mcgstatus, addr, misc, synd,
 * ipid, ip, tsc, ppin, microcode, walltime, cpuid, apicid, socketid, cs
 * and cpuvendor are taken when present (older kernels lack some) and
 * left 0 otherwise. Each must have the size the kernel gives it: "mce_
 * record: field status has size 4, want 8". Returns 0 or -1 with err.
 */
int tracefs_mce_bind(const struct tracefs_format *fmt,
                     struct tracefs_mce_map *map, char *err, size_t errlen);

/* One record, as the bytes of one event (common header first). The
 * result has record_len 0: it came from no binary struct mce. */
int tracefs_mce_decode(const struct tracefs_mce_map *map, const void *rec,
                       size_t len, struct mce_record *out, char *err,
                       size_t errlen);

/* enum hw_event_mc_err_type (include/linux/edac.h). */
enum tracefs_mc_err {
	TRACEFS_MC_CORRECTED = 0,
	TRACEFS_MC_UNCORRECTED = 1,
	TRACEFS_MC_DEFERRED = 2,
	TRACEFS_MC_FATAL = 3,
	TRACEFS_MC_INFO = 4,
};

/* "Corrected", "Uncorrected", ...; "Unknown" past the list. */
const char *tracefs_mc_err_name(uint32_t error_type);

/*
 * Sizes of the strings kept: an EDAC label is up to EDAC_MAX_LABELS (8)
 * labels of EDAC_MC_LABEL_LEN (31) joined by " or ", so 320 holds any.
 * Longer text is cut, and `truncated` says so.
 */
#define TRACEFS_MC_LABEL_MAX  320
#define TRACEFS_MC_MSG_MAX    256
#define TRACEFS_MC_DETAIL_MAX 256

/* ras:mc_event (include/ras/ras_event.h): an EDAC memory error. */
struct tracefs_mc_event {
	uint32_t error_type; /* enum tracefs_mc_err */
	uint16_t error_count;
	uint8_t mc_index;
	int8_t top_layer; /* -1: not known (EDAC's "any") */
	int8_t middle_layer;
	int8_t lower_layer;
	uint8_t grain_bits;
	uint64_t address; /* physical; 0 when the driver has none */
	uint64_t syndrome;
	char label[TRACEFS_MC_LABEL_MAX]; /* the DIMM: "CPU_SrcID#0_MC#0_..." */
	char msg[TRACEFS_MC_MSG_MAX];
	char driver_detail[TRACEFS_MC_DETAIL_MAX];
	bool truncated;
};

struct tracefs_mc_map {
	uint32_t id;
	size_t min_len;
	struct tracefs_slot slot[TRACEFS_MC_SLOTS];
};

/*
 * ras:mc_event needs error_type, label and address; error_count (1 when
 * absent), msg, mc_index, the layers, grain_bits, syndrome and
 * driver_detail are optional. Sizes are checked as for mce_record.
 */
int tracefs_mc_bind(const struct tracefs_format *fmt,
                    struct tracefs_mc_map *map, char *err, size_t errlen);
int tracefs_mc_decode(const struct tracefs_mc_map *map, const void *rec,
                      size_t len, struct tracefs_mc_event *out, char *err,
                      size_t errlen);

/*
 * ---- raw ring-buffer pages: per_cpu/cpuN/trace_pipe_raw ----
 *
 * A page (struct buffer_data_page, kernel/trace/ring_buffer.c) is a u64
 * time stamp, then `commit` as a long (8 bytes on x86_64) whose low 27
 * bits are the bytes of events that follow and whose bits 31 and 30 say
 * events were lost before this page and whether their count is stored (as
 * a long right after the events). Then events, each a u32 header with
 * type_len in bits 4:0 and time_delta in bits 31:5 (the bitfield order
 * of a little-endian host):
 *
 *   type_len 1..28  data of type_len * 4 bytes follows the header
 *   type_len 0      the next u32 is the length of itself plus the data;
 *                   data follows it (used past 112 bytes)
 *   29 padding      time_delta 0: the rest of the page is empty;
 *                   else a discarded event of 4 + u32 bytes
 *   30 time extend  8 bytes: time += u32 << 27 | time_delta
 *   31 time stamp   8 bytes: absolute time (Linux 4.17+), the same way
 */
#define TRACEFS_PAGE_HEADER_LEN 16 /* u64 time stamp, long commit */

struct tracefs_page_info {
	uint64_t timestamp; /* of the page, before any delta */
	uint32_t commit;    /* bytes of events after the header */
	bool missed;        /* events were lost before this page */
	bool lost_known;    /* ... and `lost` says how many */
	uint64_t lost;
	uint64_t events; /* data events handed to the callback */
	int stopped;     /* the callback asked to stop */
	size_t end;      /* page offset where the walk ended */
};

/* One data event: `data` points into the page; ts is its time stamp. */
typedef int (*tracefs_event_fn)(void *arg, const unsigned char *data,
                                size_t len, uint64_t ts);

/*
 * Walk one page of `len` bytes (a whole page or a shorter read), handing
 * each data event to fn in order; padding and time events are consumed.
 * A nonzero return from fn stops the walk (info->stopped). Returns 0, or
 * -1 for a malformed page with "page offset N: reason" in err; the
 * events before the bad one have already been handed out.
 */
int tracefs_page_walk(const void *page, size_t len, tracefs_event_fn fn,
                      void *arg, struct tracefs_page_info *info, char *err,
                      size_t errlen);

/*
 * ---- dispatch: a page's events to the decoder of their event ----
 */
struct tracefs_events {
	bool have_type; /* common_type's place, from the first format bound */
	uint32_t type_offset;
	uint32_t type_size;
	bool have_mce;
	bool have_mc;
	struct tracefs_mce_map mce;
	struct tracefs_mc_map mc;
};

void tracefs_events_init(struct tracefs_events *ev);

/*
 * Bind a parsed format by its name: "mce_record" or "mc_event". Returns
 * 0, 1 when the event is not one rasd decodes (nothing bound), or -1
 * with err (a missing or odd field, or a common_type unlike the others).
 */
int tracefs_events_add(struct tracefs_events *ev,
                       const struct tracefs_format *fmt, char *err,
                       size_t errlen);

struct tracefs_sink {
	/* Each may be NULL; nonzero stops the page. ts: ring-buffer time. */
	int (*mce)(void *arg, const struct mce_record *r, uint64_t ts);
	int (*mc)(void *arg, const struct tracefs_mc_event *e, uint64_t ts);
	void *arg;
};

#define TRACEFS_MAX_ERRORS 8 /* messages kept; the rest only counted */

struct tracefs_page_result {
	struct tracefs_page_info page;
	uint64_t mce;      /* mce_record events decoded and handed out */
	uint64_t mc;       /* mc_event events decoded and handed out */
	uint64_t unknown;  /* events of no bound type */
	uint64_t rejected; /* events that failed to decode */
	bool malformed;    /* the page itself was bad: see errors */
	size_t n_errors;
	char errors[TRACEFS_MAX_ERRORS][TRACEFS_ERROR_LEN];
};

/*
 * Walk a page and decode each event by its common_type. An event that
 * fails to decode is counted and described, and the walk goes on; a
 * malformed page stops it. Returns 0, or -1 when the page is malformed
 * (res->malformed, reason first among res->errors).
 */
int tracefs_page_decode(const struct tracefs_events *ev, const void *page,
                        size_t len, const struct tracefs_sink *sink,
                        struct tracefs_page_result *res);

#endif
