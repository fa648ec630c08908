/* credentials.c - the BMC credentials file: "key = value" lines naming the
 * user, password and privilege for an RMCP+ session, checked line by line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bmc.h"

#define CRED_MAX_FILE 4096

struct cred_line {
	const char *name;
	unsigned lineno;
	char key[32];
	char value[64];
};

static int cred_fail(const struct cred_line *l, char *err, size_t errlen,
                     const char *why)
{
	snprintf(err, errlen, "%s:%u: %s", l->name, l->lineno, why);
	return -1;
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Split "key = value" (value optionally in double quotes). */
static int cred_split(struct cred_line *l, const char *p, const char *end,
                      char *err, size_t errlen)
{
	const char *k = p, *v;
	size_t n;

	while (p < end && *p != '=' && *p != ' ' && *p != '\t')
		p++;
	n = (size_t)(p - k);
	if (n == 0 || n >= sizeof(l->key))
		return cred_fail(l, err, errlen, "expected 'key = value'");
	memcpy(l->key, k, n);
	l->key[n] = '\0';
	p = skip_blank(p, end);
	if (p == end || *p != '=')
		return cred_fail(l, err, errlen, "expected '=' after the key");
	p = skip_blank(p + 1, end);
	while (end > p &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (end - p >= 2 && *p == '"' && end[-1] == '"') {
		p++;
		end--;
	}
	v = p;
	n = (size_t)(end - v);
	if (n >= sizeof(l->value))
		return cred_fail(l, err, errlen, "value too long");
	if (memchr(v, '\0', n) != NULL)
		return cred_fail(l, err, errlen, "NUL byte in the value");
	memcpy(l->value, v, n);
	l->value[n] = '\0';
	return 0;
}

static int cred_privilege(const struct cred_line *l, struct bmc_credentials *c,
                          char *err, size_t errlen)
{
	if (strcmp(l->value, "admin") == 0)
		c->privilege = BMC_PRIV_ADMIN;
	else if (strcmp(l->value, "operator") == 0)
		c->privilege = BMC_PRIV_OPERATOR;
	else if (strcmp(l->value, "user") == 0)
		c->privilege = BMC_PRIV_USER;
	else
		return cred_fail(l, err, errlen,
		                 "privilege must be admin, operator or user");
	return 0;
}

static int cred_apply(const struct cred_line *l, struct bmc_credentials *c,
                      unsigned *seen, char *err, size_t errlen)
{
	if (strcmp(l->key, "username") == 0) {
		if (*seen & 1)
			return cred_fail(l, err, errlen,
			                 "username given twice");
		if (strlen(l->value) >= sizeof(c->username))
			return cred_fail(l, err, errlen,
			                 "username longer than 16 bytes");
		strcpy(c->username, l->value);
		*seen |= 1;
		return 0;
	}
	if (strcmp(l->key, "password") == 0) {
		if (*seen & 2)
			return cred_fail(l, err, errlen,
			                 "password given twice");
		if (strlen(l->value) >= sizeof(c->password))
			return cred_fail(l, err, errlen,
			                 "password longer than 20 bytes");
		strcpy(c->password, l->value);
		*seen |= 2;
		return 0;
	}
	if (strcmp(l->key, "privilege") == 0)
		return cred_privilege(l, c, err, errlen);
	return cred_fail(l, err, errlen, "unknown key");
}

int bmc_credentials_parse(const char *text, size_t len, const char *name,
                          struct bmc_credentials *out, char *err, size_t errlen)
{
	struct bmc_credentials c = {.privilege = BMC_PRIV_ADMIN};
	struct cred_line l = {.name = name};
	const char *p = text, *end = text + len;
	unsigned seen = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q;

		if (eol == NULL)
			eol = end;
		l.lineno++;
		q = skip_blank(p, eol);
		if (q < eol && *q != '#' && *q != '\r') {
			if (cred_split(&l, q, eol, err, errlen) < 0 ||
			    cred_apply(&l, &c, &seen, err, errlen) < 0)
				return -1;
		}
		p = eol + 1;
	}
	if (!(seen & 1)) {
		snprintf(err, errlen, "%s: no username", name);
		return -1;
	}
	if (!(seen & 2)) {
		snprintf(err, errlen, "%s: no password", name);
		return -1;
	}
	*out = c;
	return 0;
}

int bmc_credentials_load(const char *path, struct bmc_credentials *out,
                         char *err, size_t errlen)
{
	char buf[CRED_MAX_FILE];
	struct stat st;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & S_IROTH) {
		snprintf(err, errlen,
		         "%s: readable by others (mode %03o); chmod o-r it",
		         path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((size_t)n == sizeof(buf)) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		         CRED_MAX_FILE - 1);
		return -1;
	}
	rc = bmc_credentials_parse(buf, (size_t)n, path, out, err, errlen);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}
