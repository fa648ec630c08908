/* linux_pagemap.c - which guest holds a host frame: each QEMU process's
 * mappings walked through /proc/PID/pagemap for the frames now resident. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/linux/linux_int.h"

#define PM_PRESENT  (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define PM_BATCH    512 /* entries per pread: 4 KiB */
#define MAX_GUESTS  256

/* 1 when an entry of [vstart, vend) is a present frame in [first, last]. */
static int scan_range(int fd, uint64_t vstart, uint64_t vend, uint64_t first,
                      uint64_t last)
{
	uint64_t entries[PM_BATCH], page = vstart >> LINUX_PAGE_SHIFT;
	uint64_t end = vend >> LINUX_PAGE_SHIFT, want, pfn;
	ssize_t got;
	size_t i;

	while (page < end) {
		want = end - page < PM_BATCH ? end - page : PM_BATCH;
		got = pread(fd, entries, want * sizeof(entries[0]),
		            (off_t)(page * sizeof(entries[0])));
		if (got < 0)
			return -errno;
		if (got == 0)
			return 0;
		for (i = 0; i < (size_t)got / sizeof(entries[0]); i++) {
			if (!(entries[i] & PM_PRESENT))
				continue;
			pfn = entries[i] & PM_PFN_MASK;
			if (pfn >= first && pfn <= last)
				return 1;
		}
		page += (uint64_t)got / sizeof(entries[0]);
	}
	return 0;
}

static int scan_maps(FILE *maps, int pagemap, uint64_t first, uint64_t last)
{
	char line[512];
	unsigned long long lo, hi;
	int rc;

	while (fgets(line, sizeof(line), maps) != NULL) {
		if (sscanf(line, "%llx-%llx", &lo, &hi) != 2 || hi <= lo)
			continue;
		rc = scan_range(pagemap, lo, hi, first, last);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int linux_pagemap_maps(const struct linux_host *h, int pid, uint64_t first,
                       uint64_t last, char *err, size_t errlen)
{
	char path[PATH_MAX];
	FILE *maps;
	int fd, rc;

	if (linux_path(h, path, sizeof(path), "/proc/%d/maps", pid) < 0)
		return -ENAMETOOLONG;
	maps = fopen(path, "re");
	if (maps == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	linux_path(h, path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(maps);
		return rc;
	}
	rc = scan_maps(maps, fd, first, last);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	close(fd);
	fclose(maps);
	return rc;
}

int linux_domains_on_range(struct hv *hv, uint64_t start, uint64_t end,
                           uint32_t *domids, size_t max, size_t *n)
{
	struct linux_host *h = (struct linux_host *)hv;
	struct linux_guest guests[MAX_GUESTS];
	size_t n_guests = 0, i, found = 0;
	char why[PATH_MAX + 64];
	int rc;

	*n = 0;
	if (end <= start)
		return linux_fail(h, -EINVAL,
		                  "domains_on_range: empty range [0x%llx, "
		                  "0x%llx)",
		                  (unsigned long long)start,
		                  (unsigned long long)end);
	if (h->virt == NULL)
		return 0;
	if (linux_virt_guests(h->virt, guests, MAX_GUESTS, &n_guests, why,
	                      sizeof(why)) < 0)
		return linux_fail(h, -EIO, "domains_on_range: %s", why);
	if (n_guests > MAX_GUESTS)
		n_guests = MAX_GUESTS;
	for (i = 0; i < n_guests; i++) {
		if (guests[i].pid == 0)
			continue;
		rc = linux_pagemap_maps(
		    h, guests[i].pid, start >> LINUX_PAGE_SHIFT,
		    (end - 1) >> LINUX_PAGE_SHIFT, why, sizeof(why));
		if (rc < 0)
			return linux_fail(h, rc,
			                  "domains_on_range: domain "
			                  "%u: %s",
			                  guests[i].domid, why);
		if (rc == 0)
			continue;
		if (found < max)
			domids[found] = guests[i].domid;
		found++;
	}
	*n = found;
	return 0;
}
