/*
 * Permission test: a strategy can open only its own session segment, enforced
 * by the OS.  Run as root, it creates segments with the owners and modes a
 * config would give and opens them from a child process that has dropped to
 * another uid.  Not root: exits 77 (CTest reports it skipped), since only
 * root can act as two users.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <riskgate/client.h>

#define OTHER_UID 65534 /* nobody */
#define OTHER_GID 65534 /* nogroup */

static char instance[32];

static int create(struct rg_seg_map *m, const char *session, uid_t uid, gid_t gid, mode_t mode)
{
	struct rg_seg_perms p = {uid, gid, mode, false};
	char err[256];
	int rc = rg_seg_create(m, instance, session, session ? 64 : 0, session ? 64 : 0, session ? 0 : 8, &p, err,
			       sizeof(err));

	if (rc != 0)
		fprintf(stderr, "test_attach_perms: %s\n", err);
	else
		rg_seg_publish_ready(m);
	return rc;
}

/* In a child running as OTHER_UID: 0 when every expectation holds. */
static int child_checks(void)
{
	struct rg_seg_map m;
	struct rg_client c;
	char err[256];
	int rc, failures = 0;

	if (setgid(OTHER_GID) != 0 || setuid(OTHER_UID) != 0) {
		perror("setuid");
		return 10;
	}
	/* root's session, mode 0600: denied, both raw and through the client */
	rc = rg_seg_attach(&m, instance, "rootonly", true, err, sizeof(err));
	if (rc != -EACCES) {
		fprintf(stderr, "rootonly session: expected -EACCES, got %d (%s)\n", rc, err);
		failures++;
	} else if (strstr(err, "permission denied") == NULL) {
		fprintf(stderr, "rootonly session: unclear message '%s'\n", err);
		failures++;
	}
	rc = rg_client_open(&c, instance, "rootonly", err, sizeof(err));
	if (rc != -EACCES) {
		fprintf(stderr, "client open of rootonly: expected -EACCES, got %d\n", rc);
		failures++;
	}
	/* control segment, mode 0644: readable by everyone, never writable */
	rc = rg_seg_attach(&m, instance, NULL, false, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "control read-only: expected 0, got %d (%s)\n", rc, err);
		failures++;
	} else {
		rg_seg_detach(&m);
	}
	rc = rg_seg_attach(&m, instance, NULL, true, err, sizeof(err));
	if (rc != -EACCES) {
		fprintf(stderr, "control read-write: expected -EACCES, got %d\n", rc);
		failures++;
	}
	/* its own session (owner OTHER_UID, mode 0600): allowed */
	rc = rg_client_open(&c, instance, "mine", err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "own session: expected 0, got %d (%s)\n", rc, err);
		failures++;
	} else {
		rg_client_close(&c);
	}
	return failures;
}

int main(void)
{
	struct rg_seg_map ctl, rootonly, mine;
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		fprintf(stderr, "test_attach_perms: needs root to act as another uid; skipped\n");
		return 77;
	}
	snprintf(instance, sizeof(instance), "perm%d", (int)getpid());
	if (create(&ctl, NULL, (uid_t)-1, (gid_t)-1, 0644) != 0 ||
	    create(&rootonly, "rootonly", (uid_t)-1, (gid_t)-1, 0600) != 0 ||
	    create(&mine, "mine", OTHER_UID, OTHER_GID, 0600) != 0)
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(child_checks());
	status = -1;
	waitpid(pid, &status, 0);
	rg_seg_unlink(instance, NULL);
	rg_seg_unlink(instance, "rootonly");
	rg_seg_unlink(instance, "mine");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "test_attach_perms: FAILED\n");
		return 1;
	}
	printf("test_attach_perms: session segments are closed to other users; own session and control open\n");
	return 0;
}
