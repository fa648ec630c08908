/* drop.c - who the engine and the hook run as, the directories they need
 * made theirs, and the drop itself: groups, gids, uids, no way back. */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "priv.h"

static int user_fill(struct priv_user *u, const struct passwd *pw)
{
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->drop = geteuid() == 0 && pw->pw_uid != 0;
	return 0;
}

int priv_user_lookup(const char *name, const char *fallback,
                     struct priv_user *u, char *err, size_t errlen)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0) {
		/* Not root: nothing to drop, everything runs as the caller. */
		u->uid = geteuid();
		u->gid = getegid();
		snprintf(u->name, sizeof(u->name), "uid %u", (unsigned)u->uid);
		return 0;
	}
	if ((pw = getpwnam(name)) != NULL)
		return user_fill(u, pw);
	if (fallback != NULL && (pw = getpwnam(fallback)) != NULL)
		return user_fill(u, pw);
	snprintf(err, errlen,
	         "no user %s%s%s to run as (the package makes _rasd; from a "
	         "source tree: sh scripts/deps.sh, or -u USER)",
	         name, fallback ? " or " : "", fallback ? fallback : "");
	return -1;
}

/* May u pass through dir (search permission), by owner, group or other? */
static bool may_search(const struct stat *st, const struct priv_user *u)
{
	if (st->st_uid == u->uid)
		return st->st_mode & S_IXUSR;
	if (st->st_gid == u->gid)
		return st->st_mode & S_IXGRP;
	return st->st_mode & S_IXOTH;
}

/* Every directory above dir lets u through; else the one that does not. */
static int reachable(const char *dir, const struct priv_user *u, char *err,
                     size_t errlen)
{
	char up[4096], *slash;
	struct stat st;

	snprintf(up, sizeof(up), "%s", dir);
	while ((slash = strrchr(up, '/')) != NULL) {
		if (slash == up)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(up, &st) == 0 && !may_search(&st, u)) {
			snprintf(
			    err, errlen,
			    "rasd's engine runs as %s and cannot reach %s: "
			    "%s is mode %o, owner uid %u",
			    u->name, dir, up, (unsigned)(st.st_mode & 07777),
			    (unsigned)st.st_uid);
			return -1;
		}
		if (slash == up)
			break;
	}
	return 0;
}

/* Directories that are never rasd's to give away, whoever asks. */
static bool shared_dir(const char *dir)
{
	static const char *const system_dirs[] = {
	    "/",        "/root",    "/etc",     "/usr",       "/var",
	    "/var/lib", "/var/log", "/run",     "/tmp",       "/home",
	    "/boot",    "/opt",     "/srv",     "/dev",       "/dev/shm",
	    "/proc",    "/sys",     "/var/tmp", "/usr/local", "/mnt",
	};
	struct passwd *pw;
	size_t i;
	bool home = false;

	for (i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (strcmp(dir, system_dirs[i]) == 0)
			return true;
	setpwent();
	while (!home && (pw = getpwent()) != NULL)
		home = pw->pw_dir != NULL && strcmp(pw->pw_dir, dir) == 0;
	endpwent();
	return home;
}

/*
 * The directory of path, made writable by u: a private directory of root
 * (rasd's state or run directory, a test's temporary one) is given to u;
 * one others may write (/tmp) is left alone, files in it are still u's
 * once u makes them; anything else that u cannot write is refused.
 */
int priv_prepare_dir(const char *path, const struct priv_user *u, char *err,
                     size_t errlen)
{
	char copy[4096], *dir;
	struct stat st;

	if (!u->drop || strcmp(path, ":memory:") == 0)
		return 0;
	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (dir[0] == '/' && reachable(dir, u, err, errlen) < 0)
		return -1;
	if (st.st_uid == u->uid || (st.st_mode & S_IWOTH))
		return 0;
	if (st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    !shared_dir(dir)) {
		if (chown(dir, u->uid, u->gid) < 0) {
			snprintf(err, errlen, "%s: chown to %s: %s", dir,
			         u->name, strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen,
	         "%s: %s cannot write it (owned by uid %u, mode %o)%s", dir,
	         u->name, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
	         shared_dir(dir) ? "; a system or home directory is never "
	                           "given to rasd's engine: use a directory "
	                           "of its own (-j /var/lib/rasd/journal.db)"
	                         : "");
	return -1;
}

/* A file of root's from an earlier run (a journal, its log) becomes u's. */
int priv_give_file(const char *path, const struct priv_user *u, char *err,
                   size_t errlen)
{
	struct stat st;

	if (!u->drop || lstat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid == u->uid)
		return 0;
	if (chown(path, u->uid, u->gid) < 0) {
		snprintf(err, errlen, "%s: chown to %s: %s", path, u->name,
		         strerror(errno));
		return -1;
	}
	return 0;
}

int priv_drop(const struct priv_user *u, char *err, size_t errlen)
{
	if (u->drop && (setgroups(1, &u->gid) < 0 ||
	                setresgid(u->gid, u->gid, u->gid) < 0 ||
	                setresuid(u->uid, u->uid, u->uid) < 0)) {
		snprintf(err, errlen, "dropping to %s: %s", u->name,
		         strerror(errno));
		return -1;
	}
	/* No set-uid program can give it back. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (u->drop && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "dropping to %s: root came back",
		         u->name);
		return -1;
	}
	return 0;
}
