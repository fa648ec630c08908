/* hv.h - the hypervisor interface rasd acts through: one ops table that
 * each backend (sim, xen, linux) fills, shaped after libxenctrl. */
#ifndef RASD_HV_H
#define RASD_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/clock.h"
#include "../mce/extlog.h"
#include "../mce/mce.h"
#include "../pcie/pcie.h"

#define HV_NAME_MAX 64
#define HV_ERR_MAX  256

struct hv_topology {
	uint32_t nr_sockets;
	uint32_t cores_per_socket;
	uint32_t threads_per_core;
	uint32_t nr_cpus;     /* logical CPUs present */
	uint64_t total_pages; /* 4 KiB machine frames (xc_physinfo) */
	uint64_t free_pages;
	uint8_t cpu_vendor; /* MCE_VENDOR_* */
	uint32_t cpuid;     /* CPUID.1:EAX of the boot CPU */
	uint64_t mcg_cap;
	/* longest gap between two scans of the banks for corrected errors
	 * (Xen's poller: 16 s; Linux: check_interval); 0 when unknown */
	uint32_t mce_poll_ms;
	char host_name[HV_NAME_MAX];
};

struct hv_cpu {
	uint32_t cpu; /* hypervisor's logical CPU number */
	uint32_t socket;
	uint32_t core; /* core id within the socket */
	uint32_t thread;
	bool online;
};

/*
 * A memory module and the machine addresses it backs. One contiguous
 * range per DIMM is what the simulated host and a [dimm] policy map give;
 * interleaved layouts come with address decoding (issue 3).
 */
struct hv_dimm {
	uint32_t id;
	char label[HV_NAME_MAX]; /* silkscreen name, "CPU0_DIMM_A1" */
	uint32_t socket;
	uint32_t controller;
	uint32_t channel;
	uint32_t slot;
	uint64_t start; /* first machine address */
	uint64_t size;  /* bytes */
};

/* Outcome of a page offline, after XEN_SYSCTL_page_offline_op's status. */
enum hv_page_state {
	HV_PAGE_ONLINE,   /* query only: in use, not offline */
	HV_PAGE_OFFLINED, /* taken out of use */
	HV_PAGE_PENDING,  /* will go once its owner frees it */
	HV_PAGE_FAILED,   /* the hypervisor refused */
	HV_PAGE_AGAIN,    /* transient; ask again later */
};

enum hv_page_owner {
	HV_OWNER_FREE,      /* no owner: offlined at once */
	HV_OWNER_XEN,       /* the hypervisor's own page */
	HV_OWNER_DOM0,      /* the control domain */
	HV_OWNER_DOMAIN,    /* a guest: domid says which */
	HV_OWNER_ANONYMOUS, /* owned, owner unknown */
	HV_OWNER_NOT_RAM,   /* not conventional RAM */
};

struct hv_page_status {
	enum hv_page_state state;
	enum hv_page_owner owner;
	uint32_t domid; /* for HV_OWNER_DOMAIN / DOM0 */
	bool broken;    /* page was already marked broken */
	uint32_t raw;   /* the hypercall's status word, for the journal */
	/* PENDING by the backend's own decision: the hypervisor was not
	 * asked (raw is 0); ask again once the owner has left. */
	bool deferred;
};

struct hv_domain {
	uint32_t domid;
	char name[HV_NAME_MAX];
	uint64_t mem_bytes;
	bool control; /* dom0: never migrated */
};

enum hv_event_type {
	HV_EVENT_MIGRATION_DONE,
	HV_EVENT_MIGRATION_FAILED,
	HV_EVENT_MIGRATION_PROGRESS,
	HV_EVENT_CPU_CHANGED,     /* a CPU came or went outside rasd */
	HV_EVENT_SCENARIO_DONE,   /* sim: the timeline is exhausted */
	HV_EVENT_MEMORY_FAILURE,  /* linux: the kernel handled a poisoned page
	                           * (ras:memory_failure_event); pfn, detail */
	HV_EVENT_SOURCE_ERROR,    /* a record source failed or lost records;
	                           * detail names it, error is the errno */
	HV_EVENT_DEVICE_ERROR,    /* a PCIe AER or CXL error (ras:aer_event,
	                           * cxl:*): dev */
	HV_EVENT_FIRMWARE_MEMORY, /* the firmware's record of a memory error
	                           * (ras:extlog_mem_event): fwmem; cpu is
	                           * the CPU whose ring held it */
	HV_EVENT_EDAC_MEMORY,     /* the EDAC driver's record of a memory
	                           * error (ras:mc_event): edac */
	HV_EVENT_HOOK_DONE,       /* privsep: the health hook ended; error is
	                           * its wait status, online that it was
	                           * killed at its deadline, detail its output */
	HV_EVENT_DOMAIN_ARRIVED,  /* a guest came in (a migration to this
	                           * host): domid, detail its name */
};

/*
 * How a migration moves a guest: live (copied while it runs, stopped only
 * for the last dirty pages) or suspended (stopped for the whole copy, as
 * a PV guest must be where Xen has no log-dirty paging for it).
 */
enum hv_migration_mode {
	HV_MODE_UNKNOWN,
	HV_MODE_LIVE,
	HV_MODE_SUSPENDED,
};

struct hv_event {
	enum hv_event_type type;
	uint64_t migration_id;
	uint32_t domid;
	char peer[HV_NAME_MAX];
	unsigned progress_pct;
	/* MIGRATION_PROGRESS and _DONE: live or suspended, once known; DONE:
	 * how long the guest stood still (0: not measured) */
	enum hv_migration_mode mode;
	uint64_t downtime_ms;
	int error;        /* errno-style, for failures */
	uint32_t cpu;     /* CPU_CHANGED: which */
	bool online;      /* CPU_CHANGED: its state now */
	uint64_t pfn;     /* MEMORY_FAILURE: the frame */
	char detail[160]; /* MEMORY_FAILURE: "<page type>: <result>" */
	union {
		struct pcie_event dev;        /* DEVICE_ERROR */
		struct extlog_event fwmem;    /* FIRMWARE_MEMORY */
		struct tracefs_mc_event edac; /* EDAC_MEMORY */
	};
};

/*
 * What became of a domain's latest migration, asked after a restart: a
 * migration outlives the daemon that started it, and only the hypervisor
 * knows how it ended.
 */
enum hv_migration_state {
	HV_MIGRATION_NONE,    /* the backend knows of no migration of it */
	HV_MIGRATION_RUNNING, /* still moving: its end comes as an event */
	HV_MIGRATION_DONE,    /* it left for peer */
	HV_MIGRATION_FAILED,  /* it stayed; error and detail say why */
};

struct hv_migration {
	enum hv_migration_state state;
	uint64_t id; /* as migrate_start gave it */
	char peer[HV_NAME_MAX];
	enum hv_migration_mode mode; /* as the events told it */
	uint64_t downtime_ms;
	int error;
	char detail[160];
};

/*
 * Every op returns 0 on success or a negative errno, with a message in
 * hv->err naming what failed; the caller decides whether to log it.
 * List ops fill at most `max` entries and set *n to how many exist (so a
 * caller can size a second call).
 */
struct hv;

struct hv_ops {
	const char *name;
	int (*topology)(struct hv *hv, struct hv_topology *out);
	int (*cpus)(struct hv *hv, struct hv_cpu *out, size_t max, size_t *n);
	int (*dimms)(struct hv *hv, struct hv_dimm *out, size_t max, size_t *n);
	int (*domains)(struct hv *hv, struct hv_domain *out, size_t max,
	               size_t *n);
	/* Domains owning at least one frame in [start, end) (byte addrs). */
	int (*domains_on_range)(struct hv *hv, uint64_t start, uint64_t end,
	                        uint32_t *domids, size_t max, size_t *n);
	int (*page_query)(struct hv *hv, uint64_t mfn,
	                  struct hv_page_status *out);
	int (*page_offline)(struct hv *hv, uint64_t mfn,
	                    struct hv_page_status *out);
	/* Offline even a page in use, killing what maps it (linux
	 * hard_offline_page); NULL where page_offline already does so. */
	int (*page_offline_hard)(struct hv *hv, uint64_t mfn,
	                         struct hv_page_status *out);
	/* Put a repaired page back (xc_mark_page_online); NULL: cannot. */
	int (*page_online)(struct hv *hv, uint64_t mfn,
	                   struct hv_page_status *out);
	int (*cpu_offline)(struct hv *hv, uint32_t cpu);
	int (*cpu_online)(struct hv *hv, uint32_t cpu);
	/* Start a live migration; the result arrives as an hv_event. */
	int (*migrate_start)(struct hv *hv, uint32_t domid, const char *peer,
	                     uint64_t *migration_id);
	/*
	 * The latest migration of domid this host knows of (state NONE when
	 * there is none). NULL or -EOPNOTSUPP: the backend cannot tell, and
	 * the caller falls back to whether the domain is still here.
	 */
	int (*migration_query)(struct hv *hv, uint32_t domid,
	                       struct hv_migration *out);
	/* Readable when events() has something (or -1: never). */
	int (*event_fd)(struct hv *hv);
	/* Take pending events; the sim also advances its timeline here. */
	int (*events)(struct hv *hv, struct hv_event *out, size_t max,
	              size_t *n);
	/*
	 * The machine-check record source: a reader plus the fd to poll for
	 * it. The reader stays owned by the backend.
	 */
	int (*mce_source)(struct hv *hv, struct mce_reader **reader,
	                  int *poll_fd);
	/*
	 * Plant a corrected record in r->bank of r->cpu for the record source
	 * to find (sim: straight into its mcelog; xen: XEN_MC_msrinject into
	 * the bank's MSRs, no #MC, so only the poller can deliver it).
	 * NULL: this backend cannot plant.
	 */
	int (*inject)(struct hv *hv, const struct mce_record *r);
	/*
	 * The journal has every record the source handed out so far: a
	 * source another process fills (rasd's privileged parent) may read
	 * the device again. NULL: nothing to say.
	 */
	int (*source_done)(struct hv *hv);
	/*
	 * Hand the reader every record the source holds now (a source
	 * another process reads: it reads the device at once). >0: there
	 * were some, drain again; 0: none; <0: error. NULL: the reader
	 * reads the device itself.
	 */
	int (*source_sync)(struct hv *hv);
	void (*close)(struct hv *hv);
	/* A stand-in for a simulated host another process holds (privsep):
	 * sim.h's questions go to it. NULL for every real backend. */
	const struct hv_sim_proxy *sim_proxy;
};

/* Every backend's instance begins with this. */
struct hv {
	const struct hv_ops *ops;
	const struct clock *clock;
	char err[HV_ERR_MAX];
};

struct hv_options {
	const char *call_log; /* sim: append every call made, one per line */
	/* linux: prefix for /sys and /proc (tests use a tree of files);
	 * NULL or "": the real ones */
	const char *root;
	/* linux: the tracefs mount; NULL: find it, mount it if allowed */
	const char *tracefs;
	/* linux: libvirt URI for guests; NULL: qemu:///system; "none": no
	 * guests (a host without libvirt) */
	const char *libvirt_uri;
	/*
	 * sim: the socket of the simulated host's own process (rasd-simhost).
	 * When set, "sim:PATH" attaches to the host listening there, or
	 * starts one playing PATH; NULL: the host runs inside the caller
	 * (unit tests).
	 */
	const char *sim_socket;
	uint64_t sim_start_ms;   /* sim: a new host's clock starts here */
	uint32_t sim_speed;      /* sim: a new host's clock speed */
	const char *simhost_bin; /* sim: rasd-simhost; NULL: next to us */
	/* sim: hold the timeline until hv_sim_start_timeline (the host's
	 * own process waits for a daemon that is ready to read) */
	bool sim_hold;
};

/*
 * Open a backend by spec:
 *   "sim:PATH"    the simulated Xen host playing a scenario file;
 *   "xen"         this dom0's hypervisor (libxenctrl, libxl, /dev/mcelog);
 *   "linux[:URI]" this kernel (tracefs, sysfs) and libvirt at URI;
 *   "auto"        xen when this is a Xen control domain, else linux.
 * Returns NULL with the reason in err ("not a Xen host: ...").
 */
struct hv *hv_open(const char *spec, const struct clock *clock,
                   const struct hv_options *opts, char *err, size_t errlen);
void hv_close(struct hv *hv);

/*
 * Wrap a backend so that fn sees every call (op is its name) before it
 * is made and after it returns; for fault injection. The wrapper owns
 * inner. hv_hook_inner gives the backend under a wrapper (or hv).
 */
typedef void (*hv_hook_fn)(void *arg, const char *op, bool after);
struct hv *hv_hook_wrap(struct hv *inner, hv_hook_fn fn, void *arg);
struct hv *hv_hook_inner(struct hv *hv);

const char *hv_page_state_name(enum hv_page_state s);
const char *hv_migration_state_name(enum hv_migration_state s);
/* "live", "suspended", "" for unknown. */
const char *hv_migration_mode_name(enum hv_migration_mode m);
const char *hv_page_owner_name(enum hv_page_owner o);

/*
 * Decode a XEN_SYSCTL_page_offline_op status word (xen/include/public/
 * sysctl.h, PG_OFFLINE_*) into state/owner/domid; shared by the sim, which
 * produces such words, and the Xen backend, which receives them.
 */
void hv_page_status_from_xen(uint32_t raw, struct hv_page_status *out);

#endif
