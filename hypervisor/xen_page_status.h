/* xen_page_status.h - the status words of XEN_SYSCTL_page_offline_op, as
 * xen/include/public/sysctl.h defines them; shared by the sim and Xen. */
#ifndef RASD_XEN_PAGE_STATUS_H
#define RASD_XEN_PAGE_STATUS_H

/* Outcome of XEN_SYSCTL_PAGE_OFFLINE, in the low byte. */
#define PG_OFFLINE_STATUS_MASK 0xffu
#define PG_OFFLINE_INVALID     (1u << 0)
#define PG_OFFLINE_OFFLINED    (1u << 1)
#define PG_OFFLINE_PENDING     (1u << 2)
#define PG_OFFLINE_FAILED      (1u << 3)
#define PG_OFFLINE_AGAIN       (1u << 4)

/* Why, or whose: valid together with PG_OFFLINE_FAILED or _PENDING. */
#define PG_OFFLINE_XENPAGE      (1u << 8)
#define PG_OFFLINE_DOM0PAGE     (1u << 9)
#define PG_OFFLINE_ANONYMOUS    (1u << 10)
#define PG_OFFLINE_NOT_CONV_RAM (1u << 11)
#define PG_OFFLINE_OWNED        (1u << 12)
#define PG_OFFLINE_BROKEN       (1u << 13)

/* The owning domain sits in bits 31:16. */
#define PG_OFFLINE_OWNER_SHIFT 16

/*
 * XEN_SYSCTL_PAGE_QUERY answers with a different set of bits: the state a
 * frame is in now, not the outcome of a request.
 */
#define PG_OFFLINE_STATUS_OFFLINED        (1u << 1)
#define PG_OFFLINE_STATUS_ONLINE          (1u << 2)
#define PG_OFFLINE_STATUS_OFFLINE_PENDING (1u << 3)
#define PG_OFFLINE_STATUS_BROKEN          (1u << 4)

/* Domain ids Xen reserves for itself (xen/include/public/xen.h). */
#define XEN_DOMID_FIRST_RESERVED 0x7ff0u
#define XEN_DOMID_XEN            0x7ff2u

#endif
