/* mce_text.h - replay of text captures: mcelog's --ascii log and the
 * kernel's "[Hardware Error]:" console lines, parsed into mce_record. */
#ifndef RASD_MCE_TEXT_H
#define RASD_MCE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "mce/mce.h"

/*
 * What a capture holds. AUTO asks mce_format_detect; BINARY is a stream
 * of struct mce records for the reader (mce.h), never for the text parser.
 */
enum mce_format {
	MCE_FORMAT_AUTO,
	MCE_FORMAT_BINARY,
	MCE_FORMAT_MCELOG, /* mcelog --ascii: "MCE 0", "CPU 3 BANK 7", ... */
	MCE_FORMAT_DMESG,  /* "mce: [Hardware Error]: CPU 0: Machine Check" */
};

/* "auto", "binary", "mcelog", "dmesg" -> *out; 0, or -1 if unknown. */
int mce_format_parse(const char *name, enum mce_format *out);
const char *mce_format_name(enum mce_format fmt);

/*
 * Guess the format of a capture from its start: control bytes (NUL and
 * the like) in the first 4 KiB mean binary records; otherwise the first
 * line that opens a record decides between mcelog and dmesg text. Text
 * in which no line opens a record is called MCELOG. Never returns AUTO.
 */
enum mce_format mce_format_detect(const void *buf, size_t len);

#define MCE_TEXT_MAX_ERRORS 16  /* messages kept; the rest only counted */
#define MCE_TEXT_ERROR_LEN  192 /* "NAME:LINE: reason", truncated */

struct mce_text_result {
	uint64_t lines;    /* lines read */
	uint64_t records;  /* records handed to the callback */
	uint64_t rejected; /* blocks refused: malformed or incomplete */
	int stopped;       /* the callback asked to stop */
	size_t n_errors;   /* messages kept in errors[] */
	char errors[MCE_TEXT_MAX_ERRORS][MCE_TEXT_ERROR_LEN];
};

/*
 * Parse `len` bytes of text (need not end in NUL or newline) in format
 * MCELOG, DMESG or AUTO (detected; a binary guess is an error). Each
 * complete block becomes a record with record_len 0 (no binary source)
 * and goes to fn; a nonzero return from fn stops the parse. A block
 * with a malformed field, or without CPU, BANK and STATUS, is rejected:
 * counted, described as "NAME:LINE: reason", and the next block still
 * decodes. Allocates nothing; lines may be any length, ended by LF or
 * CRLF. Returns 0, or -1 when fmt is not text (reason in res->errors).
 */
int mce_text_parse(const char *text, size_t len, enum mce_format fmt,
                   const char *name, mce_record_fn fn, void *arg,
                   struct mce_text_result *res);

#endif
