/* linux_sysfs.c - the host's shape and its actions through /sys and /proc:
 * topology, CPU hotplug, page offlining and /proc/kpageflags. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/linux/linux_int.h"

#define CPU_DIR  "/sys/devices/system/cpu"
#define MC_DIR   "/sys/devices/system/machinecheck/machinecheck0"
#define MEM_DIR  "/sys/devices/system/memory"
#define MAX_CPUS 8192

/* include/uapi/linux/kernel-page-flags.h */
#define KPF_BUDDY    10
#define KPF_HWPOISON 19
#define KPF_NOPAGE   20

int linux_cpulist_extent(const char *text, uint32_t *n)
{
	unsigned long lo, hi, top = 0;
	const char *p = text;
	char *end;

	if (*p == '\0')
		return -EINVAL;
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		lo = hi = strtoul(p, &end, 10);
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				return -EINVAL;
			hi = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (hi < lo || hi >= MAX_CPUS)
			return -EINVAL;
		if (hi + 1 > top)
			top = hi + 1;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return -EINVAL;
	}
	*n = (uint32_t)top;
	return 0;
}

static int present_cpus(struct linux_host *h, uint32_t *n)
{
	char path[PATH_MAX], text[1024];
	int rc = linux_path(h, path, sizeof(path), CPU_DIR "/present");

	if (rc == 0)
		rc = linux_read_text(path, text, sizeof(text));
	if (rc < 0)
		return linux_fail(h, rc, "cpus: %s: %s", path, strerror(-rc));
	if (linux_cpulist_extent(text, n) < 0)
		return linux_fail(h, -EINVAL,
		                  "cpus: %s: not a CPU list: '%.40s'", path,
		                  text);
	return 0;
}

/* A CPU without an online file (cpu0 on most x86 kernels) is online. */
static bool cpu_is_online(struct linux_host *h, uint32_t cpu)
{
	char path[PATH_MAX];
	uint64_t v;

	if (linux_path(h, path, sizeof(path), CPU_DIR "/cpu%u/online", cpu) <
	        0 ||
	    linux_read_u64(path, &v) < 0)
		return true;
	return v != 0;
}

static uint32_t cpu_topo_value(struct linux_host *h, uint32_t cpu,
                               const char *name)
{
	char path[PATH_MAX];
	uint64_t v;

	if (linux_path(h, path, sizeof(path), CPU_DIR "/cpu%u/topology/%s", cpu,
	               name) < 0 ||
	    linux_read_u64(path, &v) < 0)
		return 0;
	return (uint32_t)v;
}

/* Position of cpu in its core's sibling list ("2,6" or "2-3"). */
static uint32_t cpu_thread(struct linux_host *h, uint32_t cpu)
{
	char path[PATH_MAX], text[256], *p, *end;
	unsigned long first;

	if (linux_path(h, path, sizeof(path),
	               CPU_DIR "/cpu%u/topology/thread_siblings_list",
	               cpu) < 0 ||
	    linux_read_text(path, text, sizeof(text)) < 0)
		return 0;
	p = text;
	first = strtoul(p, &end, 10);
	if (end == p || first >= cpu)
		return 0;
	if (*end == '-')
		return cpu - (uint32_t)first;
	return 1; /* "first,cpu": the second thread */
}

static void cpu_describe(struct linux_host *h, uint32_t cpu, struct hv_cpu *out)
{
	out->cpu = cpu;
	out->socket = cpu_topo_value(h, cpu, "physical_package_id");
	out->core = cpu_topo_value(h, cpu, "core_id");
	out->thread = cpu_thread(h, cpu);
	out->online = cpu_is_online(h, cpu);
}

int linux_cpus(struct hv *hv, struct hv_cpu *out, size_t max, size_t *n)
{
	struct linux_host *h = (struct linux_host *)hv;
	uint32_t nr, cpu;
	int rc = present_cpus(h, &nr);

	*n = 0;
	if (rc < 0)
		return rc;
	for (cpu = 0; cpu < nr && cpu < max; cpu++)
		cpu_describe(h, cpu, &out[cpu]);
	*n = nr;
	return 0;
}

/* "MemTotal:  1000 kB" -> 1000 * 1024 / 4096 pages. */
static uint64_t meminfo_pages(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	unsigned long long kb;

	if (p == NULL || sscanf(p + strlen(key), " %llu", &kb) != 1)
		return 0;
	return kb >> (LINUX_PAGE_SHIFT - 10);
}

static void topo_memory(struct linux_host *h, struct hv_topology *out)
{
	char path[PATH_MAX], text[4096];

	if (linux_path(h, path, sizeof(path), "/proc/meminfo") < 0 ||
	    linux_read_text(path, text, sizeof(text)) < 0)
		return;
	out->total_pages = meminfo_pages(text, "MemTotal:");
	out->free_pages = meminfo_pages(text, "MemFree:");
}

static unsigned cpuinfo_number(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (p == NULL || (p = strchr(p, ':')) == NULL)
		return 0;
	return (unsigned)strtoul(p + 1, NULL, 10);
}

/* CPUID.1:EAX back from /proc/cpuinfo's family, model and stepping. */
static uint32_t cpuid_eax(unsigned family, unsigned model, unsigned stepping)
{
	uint32_t eax = (stepping & 0xf) | (model & 0xf) << 4;

	eax |= (family < 0xf ? family : 0xf) << 8;
	eax |= ((model >> 4) & 0xf) << 16;
	if (family >= 0xf)
		eax |= ((family - 0xf) & 0xff) << 20;
	return eax;
}

static void topo_cpuinfo(struct linux_host *h, struct hv_topology *out)
{
	char path[PATH_MAX], text[8192];

	if (linux_path(h, path, sizeof(path), "/proc/cpuinfo") < 0 ||
	    linux_read_text(path, text, sizeof(text)) < 0)
		return;
	if (strstr(text, "AuthenticAMD") != NULL)
		out->cpu_vendor = MCE_VENDOR_AMD;
	else if (strstr(text, "HygonGenuine") != NULL)
		out->cpu_vendor = MCE_VENDOR_HYGON;
	else
		out->cpu_vendor = MCE_VENDOR_INTEL;
	out->cpuid = cpuid_eax(cpuinfo_number(text, "cpu family"),
	                       cpuinfo_number(text, "\nmodel\t"),
	                       cpuinfo_number(text, "stepping"));
}

/* MCG_CAP's count field from the bank files the kernel lists. */
static void topo_machinecheck(struct linux_host *h, struct hv_topology *out)
{
	char path[PATH_MAX];
	uint64_t secs;
	uint32_t bank;

	for (bank = 0; bank < 64; bank++)
		if (linux_path(h, path, sizeof(path), MC_DIR "/bank%u", bank) <
		        0 ||
		    access(path, F_OK) < 0)
			break;
	out->mcg_cap = bank;
	if (linux_path(h, path, sizeof(path), MC_DIR "/check_interval") == 0 &&
	    linux_read_u64(path, &secs) == 0 && secs < UINT32_MAX / 1000)
		out->mce_poll_ms = (uint32_t)secs * 1000;
}

int linux_topology(struct hv *hv, struct hv_topology *out)
{
	struct linux_host *h = (struct linux_host *)hv;
	char path[PATH_MAX];
	uint32_t cpu, sockets = 1, threads = 1;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = present_cpus(h, &out->nr_cpus);
	if (rc < 0)
		return rc;
	for (cpu = 0; cpu < out->nr_cpus; cpu++) {
		uint32_t s = cpu_topo_value(h, cpu, "physical_package_id");
		uint32_t t = cpu_thread(h, cpu);

		if (s + 1 > sockets && s < MAX_CPUS)
			sockets = s + 1;
		if (t + 1 > threads)
			threads = t + 1;
	}
	out->nr_sockets = sockets;
	out->threads_per_core = threads;
	out->cores_per_socket = out->nr_cpus / sockets / threads;
	if (out->cores_per_socket == 0)
		out->cores_per_socket = 1;
	topo_memory(h, out);
	topo_cpuinfo(h, out);
	topo_machinecheck(h, out);
	if (linux_path(h, path, sizeof(path), "/proc/sys/kernel/hostname") ==
	        0 &&
	    linux_read_text(path, out->host_name, sizeof(out->host_name)) < 0)
		gethostname(out->host_name, sizeof(out->host_name) - 1);
	return 0;
}

static int cpu_write_online(struct linux_host *h, const char *op, uint32_t cpu,
                            const char *value)
{
	char path[PATH_MAX];
	uint32_t nr;
	int rc = present_cpus(h, &nr);

	if (rc < 0)
		return rc;
	if (cpu >= nr)
		return linux_fail(h, -EINVAL, "%s: no cpu %u (the host has %u)",
		                  op, cpu, nr);
	rc = linux_path(h, path, sizeof(path), CPU_DIR "/cpu%u/online", cpu);
	if (rc == 0 && access(path, F_OK) < 0)
		return linux_fail(h, -EPERM,
		                  "%s: cpu %u cannot be hotplugged (no %s)", op,
		                  cpu, path);
	if (rc == 0)
		rc = linux_write_text(path, value);
	if (rc < 0)
		return linux_fail(h, rc, "%s: %s: %s", op, path, strerror(-rc));
	linux_cpu_expect(h, cpu, value[0] == '1');
	return 0;
}

int linux_cpu_offline(struct hv *hv, uint32_t cpu)
{
	struct linux_host *h = (struct linux_host *)hv;
	uint32_t nr, i, online = 0;
	int rc = present_cpus(h, &nr);

	if (rc < 0)
		return rc;
	if (cpu < nr && !cpu_is_online(h, cpu))
		return 0;
	for (i = 0; i < nr; i++)
		online += cpu_is_online(h, i);
	if (cpu < nr && online <= 1)
		return linux_fail(h, -EBUSY,
		                  "cpu_offline: cpu %u is the last online cpu",
		                  cpu);
	return cpu_write_online(h, "cpu_offline", cpu, "0");
}

int linux_cpu_online(struct hv *hv, uint32_t cpu)
{
	struct linux_host *h = (struct linux_host *)hv;
	uint32_t nr;
	int rc = present_cpus(h, &nr);

	if (rc < 0)
		return rc;
	/* Already up: the kernel would say yes and send no uevent. */
	if (cpu < nr && cpu_is_online(h, cpu))
		return 0;
	return cpu_write_online(h, "cpu_online", cpu, "1");
}

/* /proc/kpageflags: one u64 of KPF_* bits per frame; needs root. */
static int kpageflags(struct linux_host *h, uint64_t pfn, uint64_t *flags)
{
	char path[PATH_MAX];
	ssize_t got;
	int fd, rc = linux_path(h, path, sizeof(path), "/proc/kpageflags");

	if (rc < 0)
		return linux_fail(h, rc, "page_query: path too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return linux_fail(
		    h, -errno, "page_query 0x%llx: %s: %s: state unknown",
		    (unsigned long long)pfn, path, strerror(errno));
	got = pread(fd, flags, sizeof(*flags), (off_t)(pfn * sizeof(*flags)));
	rc = got < 0 ? -errno : 0;
	close(fd);
	if (got == 0)
		return linux_fail(
		    h, -EINVAL,
		    "page_query 0x%llx: past the end of %s: not RAM",
		    (unsigned long long)pfn, path);
	if (rc < 0 || got != sizeof(*flags))
		return linux_fail(h, rc < 0 ? rc : -EIO,
		                  "page_query 0x%llx: %s: %s: state unknown",
		                  (unsigned long long)pfn, path,
		                  rc < 0 ? strerror(-rc) : "short read");
	return 0;
}

static void page_status_from_flags(uint64_t flags, struct hv_page_status *out)
{
	memset(out, 0, sizeof(*out));
	out->raw = (uint32_t)flags;
	out->state = HV_PAGE_ONLINE;
	out->owner = HV_OWNER_ANONYMOUS;
	if (flags & (1ULL << KPF_NOPAGE)) {
		out->state = HV_PAGE_FAILED;
		out->owner = HV_OWNER_NOT_RAM;
	} else if (flags & (1ULL << KPF_HWPOISON)) {
		out->state = HV_PAGE_OFFLINED;
		out->owner = HV_OWNER_FREE;
		out->broken = true;
	} else if (flags & (1ULL << KPF_BUDDY)) {
		out->owner = HV_OWNER_FREE;
	}
}

int linux_page_query(struct hv *hv, uint64_t mfn, struct hv_page_status *out)
{
	struct linux_host *h = (struct linux_host *)hv;
	uint64_t flags;
	int rc;

	memset(out, 0, sizeof(*out));
	if (mfn > (UINT64_MAX >> LINUX_PAGE_SHIFT))
		return linux_fail(h, -EINVAL, "page_query: frame 0x%llx",
		                  (unsigned long long)mfn);
	rc = kpageflags(h, mfn, &flags);
	if (rc < 0)
		return rc;
	page_status_from_flags(flags, out);
	if (out->owner == HV_OWNER_NOT_RAM)
		return linux_fail(h, -EINVAL,
		                  "page_query: frame 0x%llx is not "
		                  "RAM (KPF_NOPAGE)",
		                  (unsigned long long)mfn);
	return 0;
}

/*
 * The file takes a physical address. The kernel's answer is the write's
 * errno: EBUSY (in use and cannot be migrated), EIO (poisoned or failed),
 * EINVAL (not a page it manages), ENXIO; 0 means done.
 */
static int page_offline_file(struct linux_host *h, const char *file,
                             uint64_t mfn, struct hv_page_status *out)
{
	char path[PATH_MAX], addr[32];
	uint64_t flags;
	int rc;

	memset(out, 0, sizeof(*out));
	if (mfn > (UINT64_MAX >> LINUX_PAGE_SHIFT))
		return linux_fail(h, -EINVAL,
		                  "%s: frame 0x%llx is past any "
		                  "address",
		                  file, (unsigned long long)mfn);
	snprintf(addr, sizeof(addr), "0x%llx",
	         (unsigned long long)(mfn << LINUX_PAGE_SHIFT));
	rc = linux_path(h, path, sizeof(path), MEM_DIR "/%s", file);
	if (rc == 0)
		rc = linux_write_text(path, addr);
	if (rc < 0) {
		/* who holds it, when the flags say: the kernel's reason */
		out->owner = HV_OWNER_ANONYMOUS;
		if (kpageflags(h, mfn, &flags) == 0)
			page_status_from_flags(flags, out);
		out->state = HV_PAGE_FAILED;
		out->raw = (uint32_t)-rc;
		return linux_fail(h, rc, "%s %s: %s", file, addr,
		                  strerror(-rc));
	}
	out->state = HV_PAGE_OFFLINED;
	out->owner = HV_OWNER_ANONYMOUS;
	if (kpageflags(h, mfn, &flags) == 0) {
		page_status_from_flags(flags, out);
		/* A soft offline migrates the data and then poisons the
		 * frame; the kernel said done, whatever flags show. */
		out->state = HV_PAGE_OFFLINED;
	}
	h->hv.err[0] = '\0';
	return 0;
}

int linux_page_offline(struct hv *hv, uint64_t mfn, struct hv_page_status *out)
{
	return page_offline_file((struct linux_host *)hv, "soft_offline_page",
	                         mfn, out);
}

int linux_page_offline_hard(struct hv *hv, uint64_t mfn,
                            struct hv_page_status *out)
{
	return page_offline_file((struct linux_host *)hv, "hard_offline_page",
	                         mfn, out);
}
