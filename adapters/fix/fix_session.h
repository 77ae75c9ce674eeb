/*
 * FIX 4.4 session layer (initiator side): connection, Logon, heartbeats and
 * TestRequests, sequence numbers, ResendRequest and SequenceReset, Reject,
 * Logout, and reconnection with backoff.  Application messages go out through
 * rg_fix_session_send_app and come in through the on_app callback, already
 * validated and in sequence.
 *
 * Resend policy: when the venue asks for messages again (ResendRequest) the
 * session never resends an application message.  It answers the whole range
 * with one SequenceReset-GapFill, so an order can never reach the venue
 * twice, and reports each order or cancel of the range the venue had not
 * answered through on_not_delivered (the adapter turns those into venue
 * rejects).  See docs/adapters.md.
 *
 * Synchronisation: after the venue's Logon the session sends a TestRequest
 * and reports itself up (on_up) only when the matching Heartbeat comes back
 * in sequence, so that any ResendRequest exchange triggered by the logon is
 * over before the first order is sent.
 *
 * Threads: a session belongs to one thread (the adapter thread); no call is
 * thread-safe.  Nothing allocates after rg_fix_session_init.
 */
#ifndef RG_FIX_SESSION_H
#define RG_FIX_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fix_codec.h"
#include "fix_store.h"

#define RG_FIX_IN_BUF 65536u  /* received, not yet parsed bytes */
#define RG_FIX_OUT_BUF 65536u /* encoded, not yet written bytes */

enum rg_fix_state {
	RG_FIX_DOWN = 0,       /* no connection; reconnects at next_connect_ns */
	RG_FIX_CONNECTING = 1, /* non-blocking connect in progress */
	RG_FIX_LOGON_SENT = 2, /* Logon sent, waiting for the venue's */
	RG_FIX_SYNCING = 3,    /* logged on, waiting for the TestRequest answer */
	RG_FIX_ACTIVE = 4,     /* application messages may flow */
	RG_FIX_LOGOUT_SENT = 5,/* our Logout sent, waiting for the venue's */
	RG_FIX_STOPPED = 6,    /* rg_fix_session_stop finished; no reconnect */
};

/* Why a session went down: the `reason` of RG_VEV_DISCONNECTED events. */
enum rg_fix_down_reason {
	RG_FIX_DOWN_IO = 1,                /* socket error or the venue closed the connection */
	RG_FIX_DOWN_CONNECT_FAILED = 2,    /* connect() failed */
	RG_FIX_DOWN_HEARTBEAT_TIMEOUT = 3, /* nothing from the venue after a TestRequest */
	RG_FIX_DOWN_LOGOUT = 4,            /* the venue logged out */
	RG_FIX_DOWN_LOGON_REJECTED = 5,    /* the venue refused our Logon (e.g. bad password) */
	RG_FIX_DOWN_SEQ_TOO_LOW = 6,       /* the venue's MsgSeqNum went backwards */
	RG_FIX_DOWN_PROTOCOL = 7,          /* a violation we cannot recover from */
	RG_FIX_DOWN_STOPPING = 8,          /* we logged out */
};

/* Reason codes of venue rejects the adapter itself produces (RG_VEV_REJECT
 * and RG_VEV_CANCEL_REJECT `reason`); venue reasons (103/102) are < 1000. */
enum rg_fix_local_reason {
	RG_FIX_REASON_NOT_CONNECTED = 1001, /* no active session when the request came */
	RG_FIX_REASON_NOT_DELIVERED = 1002, /* gap-filled at the venue's request: never reached it */
	RG_FIX_REASON_TABLE_FULL = 1003,    /* the live-order table is full */
	RG_FIX_REASON_UNKNOWN_ORDER = 1004, /* cancel of an order the adapter does not know */
	RG_FIX_REASON_ENCODE = 1005,        /* the request could not be encoded */
	RG_FIX_REASON_PENDING = 1006,       /* replace of an order with a cancel or replace not yet answered */
};

struct rg_fix_session_cfg {
	char host[128];                         /* venue address (name or literal) */
	uint16_t port;
	char sender[RG_FIX_COMP_ID_MAX + 1];    /* SenderCompID (49) */
	char target[RG_FIX_COMP_ID_MAX + 1];    /* TargetCompID (56) */
	uint32_t heartbeat_s;                   /* HeartBtInt (108), > 0 */
	uint64_t reconnect_min_ns;              /* first reconnect delay; doubles per failure */
	uint64_t reconnect_max_ns;              /* ceiling of the delay */
	char username[128];                     /* Username (553), "" = none */
	char password[128];                     /* Password (554), "" = none; never logged */
	char store_path[256];                   /* the session store file */
};

/* Something malformed the venue sent, as on_protocol_error reports it: only
 * numbers, never bytes from the wire. */
struct rg_fix_protocol_error {
	uint8_t what;           /* enum rg_venue_protocol_error (adapters/adapter.h) */
	bool reject_sent;       /* a session Reject (35=3) answered it */
	uint16_t reject_reason; /* its SessionRejectReason (373), when reject_sent */
	uint32_t ref_tag;       /* the tag refused (RefTagID, 371), 0 when none */
	uint64_t ref_seq;       /* the message's MsgSeqNum, 0 when unknown (garbage) */
	uint64_t bytes;         /* RG_VPE_GARBAGE: bytes skipped in this run */
};

struct rg_fix_session_callbacks {
	void *ctx;
	/* A validated, in-sequence application message (8, 9 or other). */
	void (*on_app)(void *ctx, const struct rg_fix_msg *m, uint64_t now_ns);
	/* Session synchronised: application messages may flow. */
	void (*on_up)(void *ctx, uint64_t now_ns);
	/* An up session went down (enum rg_fix_down_reason), or a logon was
	 * refused (once per run of refusals). */
	void (*on_down)(void *ctx, unsigned reason, uint64_t now_ns);
	/* An application message we gap-filled that the venue had not answered. */
	void (*on_not_delivered)(void *ctx, const struct rg_fix_sent *sent, uint64_t now_ns);
	/* A malformed message was rejected or dropped, or a run of garbage
	 * bytes was skipped: one call per message, one per garbage run (the
	 * bytes of a run are reported before the next message is handled, or
	 * when the input runs dry or the connection drops). */
	void (*on_protocol_error)(void *ctx, const struct rg_fix_protocol_error *e, uint64_t now_ns);
};

/* Counters, for tests and riskctl. */
struct rg_fix_stats {
	uint64_t msgs_in, msgs_out;
	uint64_t logons, disconnects, logon_rejects;
	uint64_t rejects_sent, rejects_received;
	uint64_t garbled_msgs;                   /* framed messages with a bad CheckSum */
	uint64_t garbage_bytes;                  /* bytes dropped while resynchronising */
	uint64_t protocol_errors;                /* on_protocol_error calls */
	uint64_t resend_requests_sent, resend_requests_received;
	uint64_t gap_fills_sent, gap_fills_received;
	uint64_t test_requests_sent;
	uint64_t not_delivered;                  /* app messages reported undelivered */
};

struct rg_fix_session {
	struct rg_fix_session_cfg cfg;
	struct rg_fix_session_callbacks cb;
	struct rg_fix_store store;
	struct sockaddr_storage addr;           /* resolved at init */
	socklen_t addr_len;
	int fd;                                 /* -1 when down */
	uint8_t state;                          /* enum rg_fix_state */
	bool up_reported;                       /* on_up called since the last on_down */
	bool refusal_reported;                  /* on_down(LOGON_REJECTED) already called this run */
	bool stopping;                          /* rg_fix_session_stop called */
	uint64_t backoff_ns;                    /* current reconnect delay */
	uint64_t next_connect_ns;               /* DOWN: when to connect again */
	uint64_t deadline_ns;                   /* CONNECTING/LOGON_SENT/LOGOUT_SENT: give up at */
	uint64_t last_rx_ns, last_tx_ns;        /* last byte received / message sent */
	uint64_t test_req_sent_ns;              /* 0: no TestRequest outstanding */
	uint64_t test_req_id;                   /* id of the outstanding TestRequest */
	uint64_t test_req_seq;                  /* MsgSeqNum that carried it */
	uint64_t resend_until;                  /* inbound resend pending until next_in passes it; 0 none */
	uint64_t resend_sent_ns;
	uint64_t garbage_run;                   /* garbage bytes skipped and not yet reported */
	struct rg_fix_stats stats;
	char last_error[256];                   /* why the session last failed; never holds secrets */
	size_t in_len;
	size_t out_off, out_len;                /* pending bytes are out[out_off, out_off + out_len) */
	struct rg_fix_msg msg;                  /* parse scratch */
	char time[RG_FIX_TIME_LEN + 1];         /* SendingTime scratch */
	char scratch[RG_FIX_MAX_MSG];           /* encoding scratch */
	char in[RG_FIX_IN_BUF];
	char out[RG_FIX_OUT_BUF];
};

/*
 * Opens the store and resolves the venue's address (the only blocking
 * calls).  Returns 0, or -errno with the cause in err.  *s is large (~140 KB):
 * allocate it, do not put it on a stack.
 */
int rg_fix_session_init(struct rg_fix_session *s, const struct rg_fix_session_cfg *cfg,
			const struct rg_fix_session_callbacks *cb, char *err, size_t errlen);

/* Closes the socket and the store. */
void rg_fix_session_fini(struct rg_fix_session *s);

/*
 * Does whatever is due: connects, reads and handles messages, writes pending
 * bytes, sends heartbeats and TestRequests, times out.  Waits in poll() up to
 * timeout_ms (0: never blocks).  Returns how many messages it handled or
 * sent, so a caller can spin while there is traffic.  now_ns: CLOCK_MONOTONIC.
 */
unsigned rg_fix_session_poll(struct rg_fix_session *s, uint64_t now_ns, int timeout_ms);

/* True when an application message may be sent now: ACTIVE and room for one
 * more message in the output buffer. */
bool rg_fix_session_ready(const struct rg_fix_session *s);

/* Fills *h for the next outgoing message: our CompIDs, the next MsgSeqNum
 * and SendingTime = now (CLOCK_REALTIME).  Valid until the next call. */
void rg_fix_session_header(struct rg_fix_session *s, struct rg_fix_header *h);

/*
 * Sends an application message encoded with the header of
 * rg_fix_session_header and records it in the store as carrying a `kind`
 * request for engine_seq.  Returns 0 or -EAGAIN (not ready; nothing sent).
 */
int rg_fix_session_send_app(struct rg_fix_session *s, const char *msg, size_t len, uint64_t engine_seq, uint8_t kind,
			    uint64_t now_ns);

/* Logs out (waits up to timeout_ms for the venue's Logout) and closes; no
 * reconnect afterwards. */
void rg_fix_session_stop(struct rg_fix_session *s, int timeout_ms);

const char *rg_fix_state_str(unsigned state);

#endif /* RG_FIX_SESSION_H */
