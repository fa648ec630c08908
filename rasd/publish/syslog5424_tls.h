/* syslog5424_tls.h - the TLS half of the syslog publisher (RFC 5425), kept
 * apart so only syslog5424_tls.c knows OpenSSL; private to rasd/publish. */
#ifndef RASD_SYSLOG5424_TLS_H
#define RASD_SYSLOG5424_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct syslog5424_tls_ctx;  /* trust settings shared by connections */
struct syslog5424_tls_conn; /* one TLS session on a connected socket */

/* ca_file NULL means the system trust store. */
int syslog5424_tls_ctx_new(struct syslog5424_tls_ctx **out, const char *ca_file,
                           char *err, size_t errlen);
void syslog5424_tls_ctx_free(struct syslog5424_tls_ctx *ctx);

/* Starts a client session on fd that verifies the server as name (a host
 * name, or an IP address matched against the certificate's IP SANs). */
int syslog5424_tls_conn_new(struct syslog5424_tls_ctx *ctx, int fd,
                            const char *name, struct syslog5424_tls_conn **out,
                            char *err, size_t errlen);
void syslog5424_tls_conn_free(struct syslog5424_tls_conn *c, int graceful);

/* 1 done, 0 in progress (*events says what to poll for), -1 failed. */
int syslog5424_tls_handshake(struct syslog5424_tls_conn *c, short *events,
                             char *err, size_t errlen);

/* Bytes written, 0 if it would block (*events set), -1 failed. */
ssize_t syslog5424_tls_write(struct syslog5424_tls_conn *c, const char *buf,
                             size_t len, short *events, char *err,
                             size_t errlen);

/* Reads and discards what the collector sent (session tickets); returns 1
 * with the reason in err if the collector closed or broke the session. */
int syslog5424_tls_peer_closed(struct syslog5424_tls_conn *c, char *err,
                               size_t errlen);

#endif
