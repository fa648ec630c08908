/* msg.h - what both sides of the privsep sockets send and receive with:
 * whole messages, and a descriptor passed beside one. */
#ifndef RASD_PRIV_MSG_H
#define RASD_PRIV_MSG_H

#include <stddef.h>
#include <sys/types.h>

/* fd < 0: none. Returns bytes sent or -1 with errno. */
ssize_t priv_send(int sock, const void *buf, size_t len, int fd);
/* A whole message into buf (-1 EMSGSIZE when it did not fit); a passed
 * descriptor into *fd (else -1). flags: MSG_DONTWAIT or 0. */
ssize_t priv_recv(int sock, void *buf, size_t cap, int *fd, int flags);

#endif
