/*
 * Permission test of the kill segment: only the operators' group may write
 * it, as the OS enforces through the group and mode from the config.  Run as
 * root, it creates segments with several groups and modes and opens them from
 * a child that has dropped to uid/gid 65534 (nobody/nogroup) with no
 * supplementary groups.  Not root: exits 77 (skipped), since only root can
 * act as two users.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kill_fixture.h"

#define OTHER 65534

static char inst_root660[32], inst_root664[32], inst_ops660[32], inst_ops640[32];
static int failures;

#define EXPECT(cond, ...)                                                \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "test_kill_perms: " __VA_ARGS__); \
			fprintf(stderr, "\n");                           \
			failures++;                                      \
		}                                                        \
	} while (0)

static int child_checks(void)
{
	struct rg_kill_seg s;
	struct rg_kill_scope inst = {RG_SCOPE_INSTANCE, ""};
	struct rg_kill_entry e[RG_KILL_MAX];
	char err[256];
	uint32_t n;
	int rc;

	if (setgroups(0, NULL) != 0 || setgid(OTHER) != 0 || setuid(OTHER) != 0) {
		perror("setuid");
		return 100;
	}
	/* group root, 0660: nobody may write it or read it */
	rc = rg_kill_attach(&s, inst_root660, true, err, sizeof(err));
	EXPECT(rc == -EACCES, "root 0660 writable: expected -EACCES, got %d", rc);
	EXPECT(strstr(err, "permission denied: only group root may write the kill segment") != NULL, "message: %s", err);
	EXPECT(strstr(err, "mode 0660") != NULL, "message without the mode: %s", err);
	rc = rg_kill_attach(&s, inst_root660, false, err, sizeof(err));
	EXPECT(rc == -EACCES, "root 0660 read-only: expected -EACCES, got %d", rc);
	EXPECT(strstr(err, "only owner root and group root may read") != NULL, "message: %s", err);

	/* group root, 0664: everyone reads (status), only the group writes */
	rc = rg_kill_attach(&s, inst_root664, false, err, sizeof(err));
	EXPECT(rc == 0, "root 0664 read-only: expected 0, got %d (%s)", rc, err);
	if (rc == 0) {
		EXPECT(rg_kill_list(&s, e, RG_KILL_MAX, &n, NULL) == 0 && n == 1, "root 0664: cannot list its kill");
		rc = rg_kill_apply(&s, &inst, RG_KSRC_RISKCTL, "sneaky", err, sizeof(err));
		EXPECT(rc == -EBADF, "read-only handle wrote: %d", rc);
		rg_kill_close(&s);
	}
	rc = rg_kill_attach(&s, inst_root664, true, err, sizeof(err));
	EXPECT(rc == -EACCES, "root 0664 writable: expected -EACCES, got %d", rc);
	EXPECT(strstr(err, "only group root may write") != NULL, "message: %s", err);

	/* group nogroup (ours), 0660: we are an operator */
	rc = rg_kill_attach(&s, inst_ops660, true, err, sizeof(err));
	EXPECT(rc == 0, "nogroup 0660 writable: expected 0, got %d (%s)", rc, err);
	if (rc == 0) {
		rc = rg_kill_apply(&s, &inst, RG_KSRC_RISKCTL, "operator on duty", err, sizeof(err));
		EXPECT(rc == 0, "operator kill: %d (%s)", rc, err);
		rg_kill_close(&s);
	}

	/* group nogroup, 0640: the group may read but not write */
	rc = rg_kill_attach(&s, inst_ops640, true, err, sizeof(err));
	EXPECT(rc == -EACCES, "nogroup 0640 writable: expected -EACCES, got %d", rc);
	EXPECT(strstr(err, "the mode gives the group no write access") != NULL, "message: %s", err);
	return failures;
}

static int create(struct rg_kill_seg *s, char *instance, const char *tag, gid_t gid, mode_t mode)
{
	struct rg_operators_cfg ops = {gid, mode};
	char err[256];
	int rc;

	rg_test_instance(instance, 32, tag);
	rc = rg_kill_create(s, instance, &ops, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "test_kill_perms: %s\n", err);
	return rc;
}

int main(void)
{
	struct rg_kill_seg a, b, c, d;
	struct rg_kill_scope inst = {RG_SCOPE_INSTANCE, ""};
	struct rg_kill_entry e[RG_KILL_MAX];
	char err[256];
	uint32_t n = 0;
	int status = -1;
	pid_t pid;

	if (geteuid() != 0) {
		fprintf(stderr, "test_kill_perms: needs root to act as another uid; skipped\n");
		return 77;
	}
	if (getgrgid(OTHER) == NULL || getgrgid(0) == NULL || strcmp(getgrgid(0)->gr_name, "root") != 0) {
		fprintf(stderr, "test_kill_perms: no group %d or root is not gid 0; skipped\n", OTHER);
		return 77;
	}
	if (create(&a, inst_root660, "pa", 0, 0660) != 0 || create(&b, inst_root664, "pb", 0, 0664) != 0 ||
	    create(&c, inst_ops660, "pc", OTHER, 0660) != 0 || create(&d, inst_ops640, "pd", OTHER, 0640) != 0)
		return 1;
	if (rg_kill_apply(&b, &inst, RG_KSRC_RISKCTL, "root's kill", err, sizeof(err)) != 0)
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(child_checks());
	waitpid(pid, &status, 0);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %d failure(s)", WEXITSTATUS(status));
	/* the operator's kill is there, with the operator's uid */
	EXPECT(rg_kill_list(&c, e, RG_KILL_MAX, &n, NULL) == 0 && n == 1, "operator's kill missing");
	if (n == 1)
		EXPECT(e[0].uid == OTHER && strcmp(e[0].reason, "operator on duty") == 0, "operator's kill: uid %u '%s'",
		       e[0].uid, e[0].reason);
	EXPECT(rg_kill_list(&a, e, RG_KILL_MAX, &n, NULL) == 0 && n == 0, "nobody wrote into root's 0660 segment");
	rg_kill_close(&a);
	rg_kill_close(&b);
	rg_kill_close(&c);
	rg_kill_close(&d);
	rg_kill_unlink(inst_root660);
	rg_kill_unlink(inst_root664);
	rg_kill_unlink(inst_ops660);
	rg_kill_unlink(inst_ops640);
	if (failures != 0) {
		fprintf(stderr, "test_kill_perms: FAILED\n");
		return 1;
	}
	printf("test_kill_perms: only the operators' group writes the kill segment; others are refused with the group's name\n");
	return 0;
}
