/*
 * The FIX 4.4 venue adapter (adapters/fix): struct rg_adapter_ops for venues
 * of kind RG_VENUE_FIX, and a status snapshot for tests and tools.
 *
 * Configuration: the venue's "fix" object and "credentials_file"
 * (engine/config.h, docs/adapters.md).  Credentials come from the file
 * (lines "username=..." and "password=...", mode 0600 or stricter) or, when
 * no file is configured, from the environment variables the config names
 * (fix.username_env / fix.password_env; RG_FIX_USERNAME and RG_FIX_PASSWORD
 * by default).  They are sent in the Logon only and never logged.
 */
#ifndef RG_FIX_ADAPTER_H
#define RG_FIX_ADAPTER_H

#include "adapter.h"
#include "fix_session.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct rg_adapter_ops rg_fix_adapter_ops;

/* What the adapter thread last published about its session. */
struct rg_fix_adapter_status {
	uint8_t state;            /* enum rg_fix_state */
	uint32_t run;             /* the adapter's run on its store (ClOrdID prefix) */
	uint64_t next_out_seq;    /* MsgSeqNum of our next message */
	uint64_t next_in_seq;     /* MsgSeqNum expected from the venue */
	uint64_t live_orders;     /* orders in the store's table */
	struct rg_fix_stats stats;
	char last_error[256];     /* why the session last failed, "" when up; never holds secrets */
	uint64_t published;       /* publications so far: the first after a call holds every pass ended before it */
};

/*
 * Copies the latest status of a started FIX adapter into *out.  Returns 0, or
 * -EINVAL when `a` is not a running FIX adapter.  Any thread; the adapter
 * thread publishes after every pass that did something (at most ~100 ms
 * stale otherwise).
 */
int rg_fix_adapter_status(struct rg_adapter *a, struct rg_fix_adapter_status *out);

#ifdef __cplusplus
}
#endif

#endif /* RG_FIX_ADAPTER_H */
