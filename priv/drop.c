/* drop.c - who the engine and the hook run as, the directories they need
 * made theirs, and the drop itself: groups, gids, uids, no way back. */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
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
	snprintf(err, errlen, "no user %s%s%s to run as", name,
	         fallback ? " or " : "", fallback ? fallback : "");
	return -1;
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
	if (st.st_uid == u->uid || (st.st_mode & S_IWOTH))
		return 0;
	if (st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH))) {
		if (chown(dir, u->uid, u->gid) < 0) {
			snprintf(err, errlen, "%s: chown to %s: %s", dir,
			         u->name, strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen,
	         "%s: %s cannot write it (owned by uid %u, mode %o)", dir,
	         u->name, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
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
