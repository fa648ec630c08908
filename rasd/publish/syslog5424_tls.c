/* syslog5424_tls.c - RFC 5425 client sessions with OpenSSL: the collector's
 * certificate checked against the CA and its name, all without blocking. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "rasd/publish/syslog5424_tls.h"

struct syslog5424_tls_ctx {
	SSL_CTX *ssl_ctx;
	BIO_METHOD *socket_method;
};

struct syslog5424_tls_conn {
	SSL *ssl;
	int fd;
};

/*
 * OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE
 * when the collector has gone; rasd must not depend on how the daemon
 * set its signals, so this BIO sends with MSG_NOSIGNAL instead.
 */
static int bio_write(BIO *b, const char *buf, int len)
{
	struct syslog5424_tls_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send(c->fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
	struct syslog5424_tls_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = recv(c->fd, buf, (size_t)len, MSG_DONTWAIT);
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	/* Writes go straight to the socket: nothing to flush. */
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static void openssl_reason(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char reason[256];

	if (e == 0) {
		snprintf(err, errlen, "%s", what);
		return;
	}
	ERR_error_string_n(e, reason, sizeof(reason));
	snprintf(err, errlen, "%s: %s", what, reason);
	ERR_clear_error();
}

static int make_socket_method(struct syslog5424_tls_ctx *ctx, char *err,
                              size_t errlen)
{
	int type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK;

	ctx->socket_method = BIO_meth_new(type, "rasd-syslog-socket");
	if (ctx->socket_method == NULL ||
	    BIO_meth_set_write(ctx->socket_method, bio_write) != 1 ||
	    BIO_meth_set_read(ctx->socket_method, bio_read) != 1 ||
	    BIO_meth_set_ctrl(ctx->socket_method, bio_ctrl) != 1) {
		openssl_reason(err, errlen, "tls: cannot make socket BIO");
		return -1;
	}
	return 0;
}

static int load_trust(SSL_CTX *sc, const char *ca_file, char *err,
                      size_t errlen)
{
	char what[300];

	if (ca_file == NULL) {
		if (SSL_CTX_set_default_verify_paths(sc) == 1)
			return 0;
		openssl_reason(err, errlen, "tls: system trust store");
		return -1;
	}
	if (SSL_CTX_load_verify_locations(sc, ca_file, NULL) == 1)
		return 0;
	snprintf(what, sizeof(what), "tls: CA file %s", ca_file);
	openssl_reason(err, errlen, what);
	return -1;
}

int syslog5424_tls_ctx_new(struct syslog5424_tls_ctx **out, const char *ca_file,
                           char *err, size_t errlen)
{
	struct syslog5424_tls_ctx *ctx;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		snprintf(err, errlen, "tls: out of memory");
		return -1;
	}
	ctx->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (ctx->ssl_ctx == NULL) {
		openssl_reason(err, errlen, "tls: cannot make context");
		syslog5424_tls_ctx_free(ctx);
		return -1;
	}
	/* RFC 5425 names TLS 1.2 as the floor worth having today. */
	SSL_CTX_set_min_proto_version(ctx->ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, NULL);
	/* The queue keeps each frame at one address until it is written,
	 * and a partial write just advances the offset. */
	SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                                   SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (load_trust(ctx->ssl_ctx, ca_file, err, errlen) != 0 ||
	    make_socket_method(ctx, err, errlen) != 0) {
		syslog5424_tls_ctx_free(ctx);
		return -1;
	}
	*out = ctx;
	return 0;
}

void syslog5424_tls_ctx_free(struct syslog5424_tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	BIO_meth_free(ctx->socket_method);
	free(ctx);
}

/* An address is matched against IP SANs, a name against DNS SANs (and
 * sent as SNI, which may not carry addresses). */
static int set_peer_name(SSL *ssl, const char *name)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, name, addr) == 1 ||
	    inet_pton(AF_INET6, name, addr) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		                                     name) == 1
		           ? 0
		           : -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(ssl, name) != 1 ||
	    SSL_set_tlsext_host_name(ssl, name) != 1)
		return -1;
	return 0;
}

int syslog5424_tls_conn_new(struct syslog5424_tls_ctx *ctx, int fd,
                            const char *name, struct syslog5424_tls_conn **out,
                            char *err, size_t errlen)
{
	struct syslog5424_tls_conn *c;
	BIO *bio;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "tls: out of memory");
		return -1;
	}
	c->fd = fd;
	c->ssl = SSL_new(ctx->ssl_ctx);
	bio = BIO_new(ctx->socket_method);
	if (c->ssl == NULL || bio == NULL) {
		BIO_free(bio);
		openssl_reason(err, errlen, "tls: cannot start session");
		syslog5424_tls_conn_free(c, 0);
		return -1;
	}
	BIO_set_data(bio, c);
	BIO_set_init(bio, 1);
	SSL_set_bio(c->ssl, bio, bio);
	if (set_peer_name(c->ssl, name) != 0) {
		openssl_reason(err, errlen,
		               "tls: cannot set the name to verify");
		syslog5424_tls_conn_free(c, 0);
		return -1;
	}
	*out = c;
	return 0;
}

void syslog5424_tls_conn_free(struct syslog5424_tls_conn *c, int graceful)
{
	if (c == NULL)
		return;
	/* One try at close_notify; a collector that is gone gets none. */
	if (graceful && c->ssl != NULL)
		SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	ERR_clear_error();
	free(c);
}

/* Why an operation failed, for the operator: a verification failure
 * names the X.509 reason, others the OpenSSL or system error. */
static void describe_failure(struct syslog5424_tls_conn *c, int ssl_err,
                             int saved_errno, char *err, size_t errlen)
{
	long verify = SSL_get_verify_result(c->ssl);

	if (verify != X509_V_OK) {
		snprintf(err, errlen, "server certificate refused: %s",
		         X509_verify_cert_error_string(verify));
		ERR_clear_error();
	} else if (ssl_err == SSL_ERROR_ZERO_RETURN) {
		snprintf(err, errlen, "closed by the collector");
	} else if (ssl_err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		snprintf(err, errlen, "%s",
		         saved_errno != 0
		             ? strerror(saved_errno)
		             : "connection closed by the collector");
	} else {
		openssl_reason(err, errlen, "tls error");
	}
}

/* Sorts an SSL_get_error result: 0 retry later (events set), -1 failed. */
static int want_or_fail(struct syslog5424_tls_conn *c, int r, short *events,
                        char *err, size_t errlen)
{
	int saved_errno = errno;
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ) {
		*events = POLLIN;
		return 0;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		*events = POLLOUT;
		return 0;
	}
	describe_failure(c, e, saved_errno, err, errlen);
	return -1;
}

int syslog5424_tls_handshake(struct syslog5424_tls_conn *c, short *events,
                             char *err, size_t errlen)
{
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_connect(c->ssl);
	if (r == 1)
		return 1;
	return want_or_fail(c, r, events, err, errlen);
}

ssize_t syslog5424_tls_write(struct syslog5424_tls_conn *c, const char *buf,
                             size_t len, short *events, char *err,
                             size_t errlen)
{
	size_t written = 0;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_write_ex(c->ssl, buf, len, &written);
	if (r == 1)
		return (ssize_t)written;
	return want_or_fail(c, r, events, err, errlen);
}

int syslog5424_tls_peer_closed(struct syslog5424_tls_conn *c, char *err,
                               size_t errlen)
{
	struct pollfd pfd = {c->fd, POLLIN, 0};
	char scratch[512];
	short events;
	int r;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	r = SSL_read(c->ssl, scratch, sizeof(scratch));
	if (r > 0)
		return 0; /* a collector has nothing to say; ignore it */
	return want_or_fail(c, r, &events, err, errlen) == 0 ? 0 : 1;
}
