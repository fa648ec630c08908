/* mce.h - the machine-check record: its binary ABI, the normalized form,
 * architectural decoding (Intel SDM Vol. 3B ch. 16) and the record reader. */
#ifndef RASD_MCE_H
#define RASD_MCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The binary record is Linux's `struct mce` (arch/x86/include/uapi/asm/
 * mce.h). On a Xen dom0, drivers/xen/mcelog.c fills the same /dev/mcelog
 * from `struct xen_mce` (include/xen/interface/xen-mca.h). Verified field
 * by field, offsets in bytes:
 *
 *   0 status  8 misc  16 addr  24 mcgstatus  32 ip  40 tsc  48 time
 *   56 cpuvendor(u8) 57 inject_flags(u8) 58 severity(u8; xen_mce: low byte
 *   of a u16 pad, always 0) 59 pad(u8)  60 cpuid(u32)  64 cs(u8)
 *   65 bank(u8) 66 cpu(u8) 67 finished(u8)  68 extcpu(u32)
 *   72 socketid(u32)  76 apicid(u32)  80 mcgcap(u64)       -> 88 bytes
 *   88 synd  96 ipid  104 ppin   (added to both in Linux 5.8) -> 112 bytes
 *   112 microcode(u32) 116 pad(4) 120 kflags(u64) (struct mce only) -> 128
 *
 * So a 112-byte xen_mce record is a prefix of today's 128-byte struct mce,
 * and records from kernels before 5.8 are the 88-byte prefix. The reader
 * therefore takes the record length from the device and zero-fills what a
 * shorter record lacks.
 */
#define MCE_RECORD_LEN_MIN   88  /* through mcgcap: every kernel since 2.6.31 */
#define MCE_RECORD_LEN_XEN   112 /* struct xen_mce since Linux 5.8 */
#define MCE_RECORD_LEN_LINUX 128 /* struct mce with microcode and kflags */
#define MCE_RECORD_LEN_MAX   4096 /* larger is not a struct mce */

/* /dev/mcelog ioctls (same numbers on the xen_mcelog device). */
#define MCE_IOCTL_GET_RECORD_LEN 0x80044d01UL /* _IOR('M', 1, int) */
#define MCE_IOCTL_GET_LOG_LEN    0x80044d02UL /* _IOR('M', 2, int) */
#define MCE_IOCTL_GETCLEAR_FLAGS 0x80044d03UL /* _IOR('M', 3, int) */
#define MCE_FLAG_OVERFLOW        0x1          /* 1 << MCE_OVERFLOW */

/* Kernel X86_VENDOR_* numbers carried in cpuvendor. */
#define MCE_VENDOR_INTEL 0
#define MCE_VENDOR_AMD   2
#define MCE_VENDOR_HYGON 9

/* MCi_STATUS bits (SDM Vol. 3B, "IA32_MCi_STATUS MSRs"). */
#define MCI_STATUS_VAL      (1ULL << 63)
#define MCI_STATUS_OVER     (1ULL << 62)
#define MCI_STATUS_UC       (1ULL << 61)
#define MCI_STATUS_EN       (1ULL << 60)
#define MCI_STATUS_MISCV    (1ULL << 59)
#define MCI_STATUS_ADDRV    (1ULL << 58)
#define MCI_STATUS_PCC      (1ULL << 57)
#define MCI_STATUS_S        (1ULL << 56) /* valid with MCG_SER_P */
#define MCI_STATUS_AR       (1ULL << 55) /* valid with MCG_SER_P */
#define MCI_STATUS_DEFERRED (1ULL << 44) /* AMD */
#define MCG_CAP_CMCI_P      (1ULL << 10)
#define MCG_CAP_SER_P       (1ULL << 24)
#define MCG_STATUS_RIPV     (1ULL << 0)
#define MCG_STATUS_EIPV     (1ULL << 1)
#define MCG_STATUS_MCIP     (1ULL << 2)

/* The normalized record: every field of the widest ABI, zero if absent. */
struct mce_record {
	uint64_t status;
	uint64_t misc;
	uint64_t addr;
	uint64_t mcgstatus;
	uint64_t ip;
	uint64_t tsc;
	uint64_t time; /* wall time_t the kernel stamped, 0 if none */
	uint64_t mcgcap;
	uint64_t synd;
	uint64_t ipid;
	uint64_t ppin;
	uint32_t cpuid; /* CPUID.1:EAX, family/model/stepping */
	uint32_t extcpu;
	uint32_t socketid;
	uint32_t apicid;
	uint32_t microcode;
	uint8_t cpuvendor;
	uint8_t cs;
	uint8_t bank;
	uint8_t inject_flags;
	uint16_t record_len; /* bytes the source handed out for it */
};

/*
 * Parse one binary record of `len` bytes (MCE_RECORD_LEN_MIN..MAX).
 * Returns 0, or -1 with the reason in err.
 */
int mce_record_parse(const void *buf, size_t len, struct mce_record *out,
                     char *err, size_t errlen);

/*
 * Encode `r` as a binary record of `len` bytes (88, 112 or 128; bytes past
 * 128 are zero). Used by the simulated host, the bench and tests.
 */
int mce_record_encode(const struct mce_record *r, void *buf, size_t len);

/*
 * A file of records carries no header: which layout wrote it is told by
 * its size and by what its records say at each known length (128, 112,
 * 88 bytes): the VAL bit of status, a known cpuvendor byte, a bank below
 * MCG_CAP's count, and at 128 bytes a zero padding and small kflags
 * (where a shorter layout has the next record's status). The length with the
 * largest share of plausible records wins, then one that divides the size (a
 * shorter length reads the prefix of a longer record as plausible too); bytes
 * past the last whole record are a truncated tail.
 */
struct mce_len_guess {
	size_t record_len;  /* the choice: 128, 112 or 88 */
	size_t records;     /* whole records at that length */
	size_t plausible;   /* of which look like machine-check records */
	size_t leftover;    /* bytes past the last whole record */
	const char *layout; /* "Linux struct mce", ... */
};

/* Fills g; -1 when no length gives a single plausible record. */
int mce_record_len_guess(const void *buf, size_t len, struct mce_len_guess *g);

/* What a record means. */
enum mce_severity {
	MCE_SEV_CORRECTED,
	MCE_SEV_DEFERRED, /* AMD: uncorrected, not yet consumed */
	MCE_SEV_UCNA,     /* uncorrected, no action required */
	MCE_SEV_SRAO,     /* software recoverable, action optional */
	MCE_SEV_SRAR,     /* software recoverable, action required */
	MCE_SEV_FATAL,    /* processor context corrupt, or unclassifiable */
};

enum mce_kind {
	MCE_KIND_MEMORY, /* memory controller / extended memory */
	MCE_KIND_CACHE,  /* cache hierarchy */
	MCE_KIND_TLB,
	MCE_KIND_BUS,          /* bus/interconnect compound class */
	MCE_KIND_INTERCONNECT, /* model-specific links (UPI, IF); see issue 3 */
	MCE_KIND_INTERNAL,     /* internal timer, parity, unclassified... */
	MCE_KIND_UNKNOWN,
};

/* MCi_MISC address modes (bits 8:6) where MISCV and MCG_SER_P. */
enum mce_addr_mode {
	MCE_ADDR_SEGMENT = 0,
	MCE_ADDR_LINEAR = 1,
	MCE_ADDR_PHYSICAL = 2,
	MCE_ADDR_MEMORY = 3,
	MCE_ADDR_GENERIC = 7,
	MCE_ADDR_UNKNOWN = 255, /* MISC not valid: older CPUs give physical */
};

struct mce_decoded {
	enum mce_severity severity;
	enum mce_kind kind;
	uint16_t mcacod; /* status bits 15:0 */
	uint16_t mscod;  /* status bits 31:16, model specific */
	bool val, over, uc, en, miscv, addrv, pcc, s, ar;
	bool ce_count_valid; /* CMCI-era corrected count, bits 52:38 */
	uint16_t ce_count;
	int8_t cache_level; /* 1..3 for cache/TLB errors, 0 if unknown */
	int8_t channel;     /* memory channel (CCCC), -1 if unspecified */
	const char
	    *transaction;    /* "data read", "instruction fetch", ...; NULL */
	const char *request; /* cache/bus request: "DRD", "IRD", ...; NULL */
	const char *class_name; /* "memory controller read error", ... */
	enum mce_addr_mode addr_mode;
	uint8_t addr_lsb;     /* lowest valid address bit, 0 if unknown */
	bool phys_addr_valid; /* addr is a physical address rasd can act on */
	uint64_t phys_addr;   /* addr with bits below addr_lsb cleared */
	uint64_t page;        /* phys_addr >> 12 (4 KiB frame) */

	/*
	 * Model-specific detail, filled where the CPU model is known (Intel
	 * server families by CPUID family/model, AMD SMCA by MCA_IPID); -1
	 * or NULL where nobody can say. Static strings, never allocated.
	 */
	bool model_known; /* a model decoder knew the CPU (Intel model, SMCA) */
	bool bank_known;  /* ... and knew what this bank is */
	int8_t controller; /* memory controller (iMC, UMC instance) */
	int8_t rank;
	int8_t chip_select;    /* AMD UMC chip select */
	const char *model;     /* "Skylake-SP", "AMD family 19h (SMCA)" */
	const char *bank_name; /* "iMC 1 channel 0", "UMC", "LS", "UPI 2" */
	const char *detail;    /* MSCOD / extended error code meaning */
	/*
	 * What was not known, so the record was decoded architecturally
	 * ("unknown CPU model 06_A7: architectural decoding only"), or a
	 * caveat ("UMC MCA_ADDR is a normalized DRAM address...").
	 */
	const char *note;
};

/*
 * Decode a record architecturally. Cheap: no allocation, no formatting.
 * Returns 0, or -1 when the record carries no valid error (VAL clear).
 */
int mce_decode(const struct mce_record *r, struct mce_decoded *d);

/*
 * Model-specific decoding, called by mce_decode after the architectural
 * pass; may refine kind, channel, cache level and fill the fields above.
 * Split by vendor so each decoder owns its file (mce/intel.c,
 * mce/amd_smca.c). Each returns 1 when it knew the model, else 0 with
 * the reason in d->note; model_known and bank_known say how far it got.
 */
int mce_decode_intel(const struct mce_record *r, struct mce_decoded *d);
int mce_decode_amd(const struct mce_record *r, struct mce_decoded *d);

const char *mce_severity_name(enum mce_severity s);
const char *mce_kind_name(enum mce_kind k);

/* One line for people: "corrected memory controller read error on ..." */
int mce_describe(const struct mce_record *r, const struct mce_decoded *d,
                 char *buf, size_t len);

/*
 * The reader: /dev/mcelog semantics on any source. A device answers the
 * ioctls (record length, log length, overflow flags) and must be read with
 * a buffer of log_len * record_len bytes; a plain file or pipe answers
 * ENOTTY and is read as a stream of records of the hinted length. The
 * simulated host supplies its own ops that emulate the xen_mcelog driver.
 */
struct mce_dev_ops {
	/* read(2)-like; returns bytes, 0 at end, -1 with errno */
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	/* ioctl(2)-like for the three MCE ioctls; -1 with errno (ENOTTY) */
	int (*ioctl)(void *ctx, unsigned long request, int *value);
};

struct mce_reader_opts {
	size_t record_len; /* when the source has no ioctls; 0: XEN (112) */
	size_t log_len;    /* records per read when no ioctls; 0: 32 */
};

struct mce_reader_stats {
	uint64_t reads;       /* read calls that returned data */
	uint64_t records;     /* records handed to the callback */
	uint64_t bad_records; /* records that failed to parse */
	uint64_t overflows;   /* times the source said it dropped records */
	uint64_t truncated;   /* bytes of a partial record left at end */
};

struct mce_reader;

/* Called per record; return nonzero to stop draining. */
typedef int (*mce_record_fn)(void *arg, const struct mce_record *r);

/* A reader on a file descriptor (device, file or pipe). Takes no ownership. */
int mce_reader_open_fd(struct mce_reader **out, int fd,
                       const struct mce_reader_opts *opts, char *err,
                       size_t errlen);
/* A reader on emulated device ops (the simulated host). */
int mce_reader_open_ops(struct mce_reader **out, const struct mce_dev_ops *ops,
                        void *ctx, const struct mce_reader_opts *opts,
                        char *err, size_t errlen);

/*
 * Read what the source holds now, hand each record to fn, check the
 * overflow flag. Returns the number of records, 0 at end of a stream or
 * when the device is empty, -1 on a read error (reason in err). Bad
 * records are counted in stats and described in err, and do not stop the
 * drain: one corrupt record never loses the good ones around it.
 */
ssize_t mce_reader_drain(struct mce_reader *rd, mce_record_fn fn, void *arg,
                         char *err, size_t errlen);

/*
 * One read into the reader's buffer without parsing it (a privsep parent
 * fills its engine's spool so): bytes of whole records, 0 when the source
 * had none, -1 on a read error; *overflowed when the device dropped some.
 */
ssize_t mce_reader_fill(struct mce_reader *rd, bool *overflowed, char *err,
                        size_t errlen);

/*
 * At the end of a stream: -1 with "truncated record: N bytes left" when a
 * partial record remains, else 0.
 */
int mce_reader_finish(struct mce_reader *rd, char *err, size_t errlen);

size_t mce_reader_record_len(const struct mce_reader *rd);
/* Bytes one read may take: log_len * record_len. */
size_t mce_reader_buffer_size(const struct mce_reader *rd);
/*
 * Read into buf (at least mce_reader_buffer_size bytes, owned by the
 * caller) from now on: a file mapping there keeps what read(2) took from
 * a destructive device even if the process dies next. -1: too small, or
 * records are still waiting in the reader's own buffer.
 */
int mce_reader_use_buffer(struct mce_reader *rd, unsigned char *buf,
                          size_t size);
const struct mce_reader_stats *mce_reader_stats(const struct mce_reader *rd);
void mce_reader_close(struct mce_reader *rd);

/*
 * Build the status word of common architectural errors, for the simulated
 * host's scenarios, tests and the bench.
 */
uint64_t mce_status_mem_ce(unsigned channel, unsigned mmm, unsigned count);
uint64_t mce_status_patrol_srao(unsigned channel);
uint64_t mce_status_cache_ce(unsigned level, unsigned rrrr, unsigned tt);

#endif
