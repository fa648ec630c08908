/* control_proto.c - the control protocol both sides share: request lines
 * parsed and checked, and the client's connect and one-call round trip. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

static bool cmd_word_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CONTROL_CMD_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

static int request_check_keys(struct json_object *root, char *err,
                              size_t errlen)
{
	json_object_object_foreach(root, key, val)
	{
		(void)val;
		if (strcmp(key, "id") && strcmp(key, "cmd") &&
		    strcmp(key, "args")) {
			snprintf(err, errlen, "unknown key '%.40s'", key);
			return -1;
		}
	}
	return 0;
}

static int request_fill(struct json_object *root, struct control_request *out,
                        char *err, size_t errlen)
{
	struct json_object *id, *cmd, *args;

	if (json_object_object_get_ex(root, "id", &id) &&
	    !json_object_is_type(id, json_type_null)) {
		if (!json_object_is_type(id, json_type_int)) {
			snprintf(err, errlen, "\"id\" must be an integer");
			return -1;
		}
		out->has_id = true;
		out->id = json_object_get_int64(id);
	}
	if (request_check_keys(root, err, errlen) < 0)
		return -1;
	if (!json_object_object_get_ex(root, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		snprintf(err, errlen, "missing \"cmd\" string");
		return -1;
	}
	if (!cmd_word_ok(json_object_get_string(cmd))) {
		snprintf(err, errlen, "bad command name '%.40s'",
		         json_object_get_string(cmd));
		return -1;
	}
	snprintf(out->cmd, sizeof(out->cmd), "%s", json_object_get_string(cmd));
	if (!json_object_object_get_ex(root, "args", &args)) {
		args = json_object_new_object();
		json_object_object_add(root, "args", args);
	}
	if (!json_object_is_type(args, json_type_object)) {
		snprintf(err, errlen, "\"args\" must be an object");
		return -1;
	}
	out->args = args;
	return 0;
}

static bool only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

int control_request_parse(const char *line, size_t len,
                          struct control_request *out, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;

	memset(out, 0, sizeof(*out));
	if (len > CONTROL_MAX_REQUEST) {
		snprintf(err, errlen, "request too long (limit %d bytes)",
		         CONTROL_MAX_REQUEST);
		return -1;
	}
	tok = json_tokener_new_ex(16);
	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	root = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root != NULL && jerr == json_tokener_success &&
	    !only_space(line + json_tokener_get_parse_end(tok),
	                len - json_tokener_get_parse_end(tok))) {
		/* Trailing bytes after a complete value: not one object. */
		json_object_put(root);
		root = NULL;
		jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON: %s",
		         jerr == json_tokener_continue
		             ? "unexpected end of input"
		             : json_tokener_error_desc(jerr));
		return -1;
	}
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	out->root = root;
	if (request_fill(root, out, err, errlen) < 0) {
		control_request_free(out);
		return -1;
	}
	return 0;
}

void control_request_free(struct control_request *req)
{
	if (req->root != NULL)
		json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

/* Blocking writes for the client side (rasctl, rasd-snmp). */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int control_client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot reach rasd at %s: %s", path,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read one reply line of any length (event pages run to hundreds of
 * kilobytes). Peek, then take only up to the newline: what follows a
 * subscribe reply is the stream, read by the caller's own buffer.
 */
static char *read_line(int fd, char *err, size_t errlen)
{
	size_t cap = 65536, used = 0;
	char *buf = malloc(cap), *nl;
	bool done = false;

	while (buf != NULL && !done) {
		ssize_t n;

		if (cap - used < 32768) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + used, cap - used - 1, MSG_PEEK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "rasd closed the connection");
			free(buf);
			return NULL;
		}
		nl = memchr(buf + used, '\n', (size_t)n);
		if (nl != NULL)
			n = nl - (buf + used) + 1;
		n = read(fd, buf + used, (size_t)n);
		if (n <= 0) {
			snprintf(err, errlen, "rasd closed the connection");
			free(buf);
			return NULL;
		}
		used += (size_t)n;
		done = buf[used - 1] == '\n';
	}
	if (done) {
		buf[used - 1] = '\0';
		return buf;
	}
	free(buf);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

int control_client_call(int fd, const char *cmd, struct json_object *args,
                        struct json_object **reply, char *err, size_t errlen)
{
	struct json_object *req = json_object_new_object();
	const char *text;
	char *line;
	int rc;

	json_object_object_add(req, "id", json_object_new_int(1));
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (args != NULL)
		json_object_object_add(req, "args", json_object_get(args));
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	rc = write_all(fd, text, strlen(text));
	if (rc == 0)
		rc = write_all(fd, "\n", 1);
	json_object_put(req);
	if (rc < 0) {
		snprintf(err, errlen, "cannot send to rasd: %s",
		         strerror(errno));
		return -1;
	}
	line = read_line(fd, err, errlen);
	if (line == NULL)
		return -1;
	*reply = json_tokener_parse(line);
	free(line);
	if (*reply == NULL) {
		snprintf(err, errlen, "rasd sent a reply that is not JSON");
		return -1;
	}
	return 0;
}
