/*
 * FIX 4.4 session layer, initiator side: the state machine between "no
 * connection" and "orders may flow", run entirely on the adapter thread.
 *
 *   DOWN --backoff--> CONNECTING --connected--> LOGON_SENT --venue Logon-->
 *   SYNCING --Heartbeat answering our TestRequest--> ACTIVE
 *   any --error, Logout, timeout--> DOWN (reconnect after a doubling backoff)
 *
 * The socket is non-blocking and waited on with poll(); reads land in a fixed
 * input buffer that rg_fix_frame cuts into messages, writes go straight to
 * the socket and only what the kernel does not take is kept in a fixed output
 * buffer.  Sequence numbers live in the memory-mapped store (fix_store.c), so
 * they survive restarts.  Incoming messages are checked for syntax, CheckSum,
 * required tags, CompIDs and sequence; a bad one gets a session Reject (35=3)
 * and the session carries on; a sequence number that goes backwards without
 * PossDupFlag ends the session, as FIX requires.  Every malformed message,
 * and every run of bytes skipped as garbage, is also reported once through
 * on_protocol_error, with numbers only (reason, tag, MsgSeqNum, byte count),
 * so that the engine can journal it.
 *
 * On a ResendRequest from the venue nothing is ever resent: the whole range is
 * answered by one SequenceReset-GapFill (see fix_session.h and
 * docs/adapters.md), and the orders and cancels of that range that the venue
 * never answered are handed to on_not_delivered.
 *
 * Log lines go to stderr and name the session by its CompIDs; the password
 * is never formatted into any of them nor into last_error.
 */
#include "fix_session.h"

#include "log_line.h"

#include "adapter.h"
#include "clock.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000ull
#define CONNECT_TIMEOUT_NS (5 * NS_PER_S)
#define LOGON_TIMEOUT_NS (10 * NS_PER_S)
#define READS_PER_POLL 16

const char *rg_fix_state_str(unsigned state)
{
	switch (state) {
	case RG_FIX_DOWN: return "DOWN";
	case RG_FIX_CONNECTING: return "CONNECTING";
	case RG_FIX_LOGON_SENT: return "LOGON_SENT";
	case RG_FIX_SYNCING: return "SYNCING";
	case RG_FIX_ACTIVE: return "ACTIVE";
	case RG_FIX_LOGOUT_SENT: return "LOGOUT_SENT";
	case RG_FIX_STOPPED: return "STOPPED";
	default: return "UNKNOWN";
	}
}

__attribute__((format(printf, 2, 3))) static void logf_(const struct rg_fix_session *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rg_log(RG_LOG_INFO, "riskgate fix %s->%s: %s", s->cfg.sender, s->cfg.target, line);
}

/* Records why the session failed (last_error) and logs it. */
__attribute__((format(printf, 2, 3))) static void fail_(struct rg_fix_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
	logf_(s, "%s", s->last_error);
}

/* A field's value as a bounded printable string, for log lines. */
static void field_text(const struct rg_fix_msg *m, uint32_t tag, char *out, size_t cap)
{
	const char *v;
	size_t n;

	out[0] = '\0';
	if (!rg_fix_get(m, tag, &v, &n))
		return;
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	out[n] = '\0';
}

/* ---- protocol errors ---------------------------------------------------- */

static void protocol_error(struct rg_fix_session *s, unsigned what, bool reject_sent, unsigned reason,
			   uint32_t ref_tag, uint64_t ref_seq, uint64_t bytes, uint64_t now)
{
	struct rg_fix_protocol_error e = {
		.what = (uint8_t)what,
		.reject_sent = reject_sent,
		.reject_reason = (uint16_t)reason,
		.ref_tag = ref_tag,
		.ref_seq = ref_seq,
		.bytes = bytes,
	};

	s->stats.protocol_errors++;
	if (s->cb.on_protocol_error != NULL)
		s->cb.on_protocol_error(s->cb.ctx, &e, now);
}

/* Reports the garbage run skipped so far, if any: one report per run. */
static void garbage_run_end(struct rg_fix_session *s, uint64_t now)
{
	uint64_t n = s->garbage_run;

	if (n == 0)
		return;
	s->garbage_run = 0;
	logf_(s, "dropped %llu bytes that are not a FIX.4.4 message", (unsigned long long)n);
	protocol_error(s, RG_VPE_GARBAGE, false, 0, 0, 0, n, now);
}

/* ---- output ------------------------------------------------------------- */

static void disconnect(struct rg_fix_session *s, unsigned reason, uint64_t now);

/* Writes what the kernel takes; false after a fatal socket error. */
static bool flush(struct rg_fix_session *s)
{
	while (s->out_len > 0) {
		ssize_t n = send(s->fd, s->out + s->out_off, s->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno == EINTR)
				continue;
			fail_(s, "send: %s", strerror(errno));
			return false;
		}
		s->out_off += (size_t)n;
		s->out_len -= (size_t)n;
	}
	s->out_off = 0;
	return true;
}

/* Queues a complete message; sends it at once when nothing is pending. */
static bool queue(struct rg_fix_session *s, const char *msg, size_t len, uint64_t now)
{
	if (s->fd < 0)
		return false;
	if (s->out_len == 0) {
		ssize_t n;
		do
			n = send(s->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			fail_(s, "send: %s", strerror(errno));
			disconnect(s, RG_FIX_DOWN_IO, now);
			return false;
		}
		if (n > 0) {
			msg += n;
			len -= (size_t)n;
		}
		s->out_off = 0;
	}
	if (len > 0) {
		if (s->out_off + s->out_len + len > sizeof(s->out)) {
			memmove(s->out, s->out + s->out_off, s->out_len);
			s->out_off = 0;
		}
		if (s->out_len + len > sizeof(s->out)) {
			fail_(s, "output buffer full: the venue is not reading");
			disconnect(s, RG_FIX_DOWN_IO, now);
			return false;
		}
		memcpy(s->out + s->out_off + s->out_len, msg, len);
		s->out_len += len;
	}
	s->last_tx_ns = now;
	s->stats.msgs_out++;
	return true;
}

void rg_fix_session_header(struct rg_fix_session *s, struct rg_fix_header *h)
{
	rg_fix_format_time(s->time, rg_real_ns());
	h->sender = s->cfg.sender;
	h->target = s->cfg.target;
	h->seq = s->store.hdr->next_out_seq;
	h->sending_time = s->time;
	h->poss_dup = false;
}

static void begin(struct rg_fix_session *s, struct rg_fix_writer *w, const char *type)
{
	struct rg_fix_header h;

	rg_fix_session_header(s, &h);
	rg_fix_begin(w, s->scratch, sizeof(s->scratch), type, &h);
}

/* Finishes and sends an admin message carrying the next MsgSeqNum. */
static bool commit(struct rg_fix_session *s, struct rg_fix_writer *w, uint64_t now)
{
	const char *msg;
	size_t len = rg_fix_finish(w, &msg);

	if (len == 0) {
		logf_(s, "internal: an admin message did not fit");
		return false;
	}
	s->store.hdr->next_out_seq++;
	return queue(s, msg, len, now);
}

static bool send_logon(struct rg_fix_session *s, uint64_t now)
{
	struct rg_fix_writer w;
	bool ok;

	begin(s, &w, "A");
	rg_fix_add_u64(&w, RG_FIX_TAG_ENCRYPT_METHOD, 0);
	rg_fix_add_u64(&w, RG_FIX_TAG_HEART_BT_INT, s->cfg.heartbeat_s);
	if (s->cfg.username[0] != '\0')
		rg_fix_add_str(&w, RG_FIX_TAG_USERNAME, s->cfg.username);
	if (s->cfg.password[0] != '\0')
		rg_fix_add_str(&w, RG_FIX_TAG_PASSWORD, s->cfg.password);
	ok = commit(s, &w, now);
	/* The encoded Logon held the password: not left in the scratch buffer. */
	explicit_bzero(s->scratch, sizeof(s->scratch));
	return ok;
}

static bool send_heartbeat(struct rg_fix_session *s, const char *test_req_id, size_t n, uint64_t now)
{
	struct rg_fix_writer w;

	begin(s, &w, "0");
	if (test_req_id != NULL)
		rg_fix_add_strn(&w, RG_FIX_TAG_TEST_REQ_ID, test_req_id, n);
	return commit(s, &w, now);
}

static bool send_test_request(struct rg_fix_session *s, uint64_t now)
{
	struct rg_fix_writer w;
	char id[24];
	int n;

	s->test_req_id++;
	n = snprintf(id, sizeof(id), "RG%llu", (unsigned long long)s->test_req_id);
	s->test_req_seq = s->store.hdr->next_out_seq;
	s->test_req_sent_ns = now;
	s->stats.test_requests_sent++;
	begin(s, &w, "1");
	rg_fix_add_strn(&w, RG_FIX_TAG_TEST_REQ_ID, id, (size_t)n);
	return commit(s, &w, now);
}

static bool send_resend_request(struct rg_fix_session *s, uint64_t from, uint64_t now)
{
	struct rg_fix_writer w;

	logf_(s, "sequence gap: expected %llu; ResendRequest %llu..0", (unsigned long long)s->store.hdr->next_in_seq,
	      (unsigned long long)from);
	s->stats.resend_requests_sent++;
	s->resend_sent_ns = now;
	begin(s, &w, "2");
	rg_fix_add_u64(&w, RG_FIX_TAG_BEGIN_SEQ_NO, from);
	rg_fix_add_u64(&w, RG_FIX_TAG_END_SEQ_NO, 0);
	return commit(s, &w, now);
}

/* Sends a session Reject of a malformed message and reports it (`what`:
 * enum rg_venue_protocol_error). */
static bool send_reject(struct rg_fix_session *s, unsigned what, uint64_t ref_seq, uint32_t ref_tag,
			const char *ref_type, unsigned reason, const char *text, uint64_t now)
{
	struct rg_fix_writer w;

	logf_(s, "Reject of MsgSeqNum %llu (35=%s): tag %u, reason %u: %s", (unsigned long long)ref_seq, ref_type,
	      ref_tag, reason, text);
	s->stats.rejects_sent++;
	protocol_error(s, what, true, reason, ref_tag, ref_seq, 0, now);
	begin(s, &w, "3");
	rg_fix_add_u64(&w, RG_FIX_TAG_REF_SEQ_NUM, ref_seq);
	if (ref_tag != 0)
		rg_fix_add_u64(&w, RG_FIX_TAG_REF_TAG_ID, ref_tag);
	if (ref_type[0] != '\0')
		rg_fix_add_str(&w, RG_FIX_TAG_REF_MSG_TYPE, ref_type);
	rg_fix_add_u64(&w, RG_FIX_TAG_SESSION_REJECT_REASON, reason);
	rg_fix_add_str(&w, RG_FIX_TAG_TEXT, text);
	return commit(s, &w, now);
}

static bool send_logout(struct rg_fix_session *s, const char *text, uint64_t now)
{
	struct rg_fix_writer w;

	begin(s, &w, "5");
	if (text != NULL)
		rg_fix_add_str(&w, RG_FIX_TAG_TEXT, text);
	return commit(s, &w, now);
}

/* SequenceReset-GapFill in place of messages [from, new_seq). */
static bool send_gap_fill(struct rg_fix_session *s, uint64_t from, uint64_t new_seq, uint64_t now)
{
	struct rg_fix_writer w;
	struct rg_fix_header h;
	const char *msg;
	size_t len;

	rg_fix_session_header(s, &h);
	h.seq = from;
	h.poss_dup = true;
	rg_fix_begin(&w, s->scratch, sizeof(s->scratch), "4", &h);
	rg_fix_add_char(&w, RG_FIX_TAG_GAP_FILL_FLAG, 'Y');
	rg_fix_add_u64(&w, RG_FIX_TAG_NEW_SEQ_NO, new_seq);
	len = rg_fix_finish(&w, &msg);
	s->stats.gap_fills_sent++;
	return len > 0 && queue(s, msg, len, now);
}

/* ---- connection --------------------------------------------------------- */

static void disconnect(struct rg_fix_session *s, unsigned reason, uint64_t now)
{
	garbage_run_end(s, now);
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
		s->stats.disconnects++;
	}
	s->in_len = s->out_len = s->out_off = 0;
	s->test_req_sent_ns = 0;
	s->resend_until = 0;
	if (s->up_reported) {
		s->up_reported = false;
		if (s->cb.on_down != NULL)
			s->cb.on_down(s->cb.ctx, reason, now);
	} else if (reason == RG_FIX_DOWN_LOGON_REJECTED && !s->refusal_reported) {
		s->refusal_reported = true;
		if (s->cb.on_down != NULL)
			s->cb.on_down(s->cb.ctx, reason, now);
	}
	if (s->stopping) {
		s->state = RG_FIX_STOPPED;
		return;
	}
	s->state = RG_FIX_DOWN;
	s->next_connect_ns = now + s->backoff_ns;
	logf_(s, "down (%s); reconnecting in %llu ms", s->last_error, (unsigned long long)(s->backoff_ns / 1000000));
	s->backoff_ns *= 2;
	if (s->backoff_ns > s->cfg.reconnect_max_ns)
		s->backoff_ns = s->cfg.reconnect_max_ns;
}

static void connected(struct rg_fix_session *s, uint64_t now)
{
	logf_(s, "connected to %s:%u; Logon with MsgSeqNum %llu", s->cfg.host, s->cfg.port,
	      (unsigned long long)s->store.hdr->next_out_seq);
	s->state = RG_FIX_LOGON_SENT;
	s->deadline_ns = now + LOGON_TIMEOUT_NS;
	s->last_rx_ns = now;
	send_logon(s, now);
}

static void start_connect(struct rg_fix_session *s, uint64_t now)
{
	int one = 1;

	s->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		fail_(s, "socket: %s", strerror(errno));
		disconnect(s, RG_FIX_DOWN_CONNECT_FAILED, now);
		return;
	}
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s->fd, (const struct sockaddr *)&s->addr, s->addr_len) == 0) {
		connected(s, now);
	} else if (errno == EINPROGRESS) {
		s->state = RG_FIX_CONNECTING;
		s->deadline_ns = now + CONNECT_TIMEOUT_NS;
	} else {
		fail_(s, "connect %s:%u: %s", s->cfg.host, s->cfg.port, strerror(errno));
		disconnect(s, RG_FIX_DOWN_CONNECT_FAILED, now);
	}
}

/* ---- input -------------------------------------------------------------- */

static void sync_done(struct rg_fix_session *s, uint64_t now)
{
	s->state = RG_FIX_ACTIVE;
	s->backoff_ns = s->cfg.reconnect_min_ns;
	s->last_error[0] = '\0';
	logf_(s, "session up: next MsgSeqNum out %llu, in %llu", (unsigned long long)s->store.hdr->next_out_seq,
	      (unsigned long long)s->store.hdr->next_in_seq);
	if (!s->up_reported) {
		s->up_reported = true;
		if (s->cb.on_up != NULL)
			s->cb.on_up(s->cb.ctx, now);
	}
}

static void handle_resend_request(struct rg_fix_session *s, const struct rg_fix_msg *m, uint64_t now)
{
	uint64_t from = 0, to = 0, last = s->store.hdr->next_out_seq - 1, q;
	bool retest = false;

	rg_fix_get_u64(m, RG_FIX_TAG_BEGIN_SEQ_NO, &from);
	rg_fix_get_u64(m, RG_FIX_TAG_END_SEQ_NO, &to);
	s->stats.resend_requests_received++;
	if (to == 0 || to > last)
		to = last;
	if (from == 0 || from > to) {
		logf_(s, "ResendRequest %llu..%llu covers nothing we sent (last %llu); ignored", (unsigned long long)from,
		      (unsigned long long)to, (unsigned long long)last);
		return;
	}
	logf_(s, "ResendRequest %llu..%llu: SequenceReset-GapFill to %llu, no message resent", (unsigned long long)from,
	      (unsigned long long)to, (unsigned long long)(to + 1));
	/* The ring remembers the last RG_FIX_STORE_SENT messages; older ones
	 * can only be gap-filled. */
	q = to - from >= RG_FIX_STORE_SENT ? to - RG_FIX_STORE_SENT + 1 : from;
	for (; q <= to; q++) {
		const struct rg_fix_sent *sent = rg_fix_store_sent(&s->store, q);
		struct rg_fix_order *o;
		/* Orders of an earlier run are not the engine's any more. */
		if (sent == NULL || sent->run != s->store.hdr->run)
			continue;
		o = rg_fix_store_order_find(&s->store, sent->engine_seq);
		if (o == NULL)
			continue;
		if ((sent->kind == 1 /* RG_VREQ_NEW */ && !(o->flags & RG_FIX_ORDER_ANSWERED)) ||
		    (sent->kind == 2 /* RG_VREQ_CANCEL */ && (o->flags & RG_FIX_ORDER_CANCEL_PENDING)) ||
		    (sent->kind == 3 /* RG_VREQ_REPLACE */ && (o->flags & RG_FIX_ORDER_REPLACE_PENDING) &&
		     o->pending_seq == q)) {
			s->stats.not_delivered++;
			if (s->cb.on_not_delivered != NULL)
				s->cb.on_not_delivered(s->cb.ctx, sent, now);
		}
	}
	if (s->test_req_sent_ns != 0 && s->test_req_seq >= from && s->test_req_seq <= to)
		retest = true;
	if (!send_gap_fill(s, from, to + 1, now))
		return;
	if (retest)
		send_test_request(s, now);
}

static void handle_logout(struct rg_fix_session *s, const struct rg_fix_msg *m, uint64_t now)
{
	char text[160];

	field_text(m, RG_FIX_TAG_TEXT, text, sizeof(text));
	if (s->state == RG_FIX_LOGOUT_SENT) {
		logf_(s, "logged out");
		snprintf(s->last_error, sizeof(s->last_error), "logged out");
		disconnect(s, RG_FIX_DOWN_STOPPING, now);
		return;
	}
	fail_(s, "venue logged out: %s", text[0] != '\0' ? text : "(no text)");
	send_logout(s, NULL, now);
	disconnect(s, RG_FIX_DOWN_LOGOUT, now);
}

static void handle_logon(struct rg_fix_session *s, const struct rg_fix_msg *m, uint64_t seq, uint64_t now)
{
	struct rg_fix_store_hdr *h = s->store.hdr;
	uint64_t hb = 0;
	bool reset = false;

	rg_fix_get_u64(m, RG_FIX_TAG_HEART_BT_INT, &hb);
	if (hb != s->cfg.heartbeat_s)
		logf_(s, "venue's HeartBtInt %llu differs from ours (%u)", (unsigned long long)hb, s->cfg.heartbeat_s);
	if (rg_fix_get_bool(m, RG_FIX_TAG_RESET_SEQ_NUM_FLAG, &reset) == 1 && reset)
		h->next_in_seq = seq;
	s->stats.logons++;
	s->refusal_reported = false;
	s->state = RG_FIX_SYNCING;
	if (seq < h->next_in_seq) {
		fail_(s, "MsgSeqNum too low on Logon: expected %llu, received %llu", (unsigned long long)h->next_in_seq,
		      (unsigned long long)seq);
		send_logout(s, s->last_error, now);
		disconnect(s, RG_FIX_DOWN_SEQ_TOO_LOW, now);
		return;
	}
	if (seq > h->next_in_seq) {
		s->resend_until = seq;
		send_resend_request(s, h->next_in_seq, now);
	} else {
		h->next_in_seq++;
	}
	send_test_request(s, now);
}

/* Reject for a message that failed parsing or validation; it still uses up
 * its MsgSeqNum when that was the one expected. */
static void reject_bad(struct rg_fix_session *s, uint64_t seq, uint32_t tag, const char *type, unsigned reason,
		       const char *text, uint64_t now)
{
	if (s->state < RG_FIX_SYNCING) {
		fail_(s, "malformed message before Logon completed (tag %u: %s)", tag, text);
		protocol_error(s, RG_VPE_MALFORMED, false, reason, tag, seq, 0, now);
		disconnect(s, RG_FIX_DOWN_PROTOCOL, now);
		return;
	}
	if (seq != 0 && seq == s->store.hdr->next_in_seq)
		s->store.hdr->next_in_seq++;
	send_reject(s, RG_VPE_MALFORMED, seq != 0 ? seq : s->store.hdr->next_in_seq, tag, type, reason, text, now);
}

static bool comp_id_is(const struct rg_fix_msg *m, uint32_t tag, const char *want)
{
	const char *v;
	size_t n;

	return rg_fix_get(m, tag, &v, &n) && n == strlen(want) && memcmp(v, want, n) == 0;
}

static void handle_frame(struct rg_fix_session *s, const char *buf, size_t len, uint64_t now)
{
	struct rg_fix_msg *m = &s->msg;
	struct rg_fix_store_hdr *h = s->store.hdr;
	struct rg_fix_parse_error perr;
	uint64_t seq = 0, new_seq = 0;
	uint32_t ref_tag = 0;
	unsigned reason = 0;
	bool poss_dup = false, gap_fill = false;
	char type;
	int rc;

	s->last_rx_ns = now;
	s->stats.msgs_in++;
	rc = rg_fix_parse(buf, len, m, &perr);
	switch (rc) {
	case RG_FIX_PARSE_OK: break;
	case RG_FIX_PARSE_BAD_CHECKSUM:
		/* Garbled: its MsgSeqNum is not trusted and not consumed; the
		 * venue resends it when the next message shows the gap. */
		s->stats.garbled_msgs++;
		if (s->state < RG_FIX_SYNCING) {
			fail_(s, "garbled message (bad CheckSum) before Logon completed");
			protocol_error(s, RG_VPE_BAD_CHECKSUM, false, RG_FIX_REJ_OTHER, RG_FIX_TAG_CHECKSUM, perr.seq, 0,
				       now);
			disconnect(s, RG_FIX_DOWN_PROTOCOL, now);
		} else {
			send_reject(s, RG_VPE_BAD_CHECKSUM, perr.seq != 0 ? perr.seq : h->next_in_seq, RG_FIX_TAG_CHECKSUM,
				    perr.msg_type, RG_FIX_REJ_OTHER, "CheckSum mismatch", now);
		}
		return;
	case RG_FIX_PARSE_BAD_TAG:
		reject_bad(s, perr.seq, perr.ref_tag, perr.msg_type, RG_FIX_REJ_INVALID_TAG_NUMBER, "invalid tag", now);
		return;
	case RG_FIX_PARSE_EMPTY_VALUE:
		reject_bad(s, perr.seq, perr.ref_tag, perr.msg_type, RG_FIX_REJ_TAG_WITHOUT_VALUE, "tag without a value",
			   now);
		return;
	case RG_FIX_PARSE_NO_MSG_TYPE:
		reject_bad(s, perr.seq, RG_FIX_TAG_MSG_TYPE, perr.msg_type, RG_FIX_REJ_REQUIRED_TAG_MISSING,
			   "MsgType must be the first field", now);
		return;
	default:
		reject_bad(s, perr.seq, 0, perr.msg_type, RG_FIX_REJ_OTHER, "malformed message", now);
		return;
	}
	rg_fix_get_u64(m, RG_FIX_TAG_MSG_SEQ_NUM, &seq);
	if (rg_fix_validate(m, &ref_tag, &reason) != 0) {
		reject_bad(s, seq, ref_tag, m->msg_type, reason,
			   reason == RG_FIX_REJ_REQUIRED_TAG_MISSING ? "required tag missing" : "incorrect data format",
			   now);
		return;
	}
	if (!comp_id_is(m, RG_FIX_TAG_SENDER_COMP_ID, s->cfg.target) ||
	    !comp_id_is(m, RG_FIX_TAG_TARGET_COMP_ID, s->cfg.sender)) {
		fail_(s, "CompID problem: message not from %s to %s", s->cfg.target, s->cfg.sender);
		if (s->state >= RG_FIX_SYNCING) {
			send_reject(s, RG_VPE_COMP_ID, seq, RG_FIX_TAG_SENDER_COMP_ID, m->msg_type,
				    RG_FIX_REJ_COMP_ID_PROBLEM, "CompID problem", now);
			send_logout(s, "CompID problem", now);
		} else {
			protocol_error(s, RG_VPE_COMP_ID, false, RG_FIX_REJ_COMP_ID_PROBLEM, RG_FIX_TAG_SENDER_COMP_ID,
				       seq, 0, now);
		}
		disconnect(s, RG_FIX_DOWN_PROTOCOL, now);
		return;
	}
	type = m->msg_type_len == 1 ? m->msg_type[0] : '\0';
	rg_fix_get_bool(m, RG_FIX_TAG_POSS_DUP_FLAG, &poss_dup);
	if (s->state == RG_FIX_LOGON_SENT) {
		if (type == '5') {
			char text[160];
			field_text(m, RG_FIX_TAG_TEXT, text, sizeof(text));
			s->stats.logon_rejects++;
			fail_(s, "logon rejected by venue %s: %s", s->cfg.target, text[0] != '\0' ? text : "(no text)");
			disconnect(s, RG_FIX_DOWN_LOGON_REJECTED, now);
		} else if (type == 'A') {
			handle_logon(s, m, seq, now);
		} else {
			fail_(s, "expected Logon from the venue, received 35=%s", m->msg_type);
			disconnect(s, RG_FIX_DOWN_PROTOCOL, now);
		}
		return;
	}
	if (type == '4') {
		rg_fix_get_u64(m, RG_FIX_TAG_NEW_SEQ_NO, &new_seq);
		rg_fix_get_bool(m, RG_FIX_TAG_GAP_FILL_FLAG, &gap_fill);
		if (!gap_fill) {
			/* Reset mode: ignores MsgSeqNum, may only move forward. */
			if (new_seq < h->next_in_seq) {
				send_reject(s, RG_VPE_SEQ_RESET_BACK, seq, RG_FIX_TAG_NEW_SEQ_NO, "4",
					    RG_FIX_REJ_VALUE_OUT_OF_RANGE, "SequenceReset may not lower the sequence number",
					    now);
				return;
			}
			s->stats.gap_fills_received++;
			h->next_in_seq = new_seq;
			goto check_resend;
		}
	}
	if (seq < h->next_in_seq) {
		if (poss_dup)
			return; /* a resent duplicate of something already handled */
		fail_(s, "MsgSeqNum too low: expected %llu, received %llu", (unsigned long long)h->next_in_seq,
		      (unsigned long long)seq);
		send_logout(s, s->last_error, now);
		disconnect(s, RG_FIX_DOWN_SEQ_TOO_LOW, now);
		return;
	}
	if (seq > h->next_in_seq) {
		/* Gap: this message comes again once the venue fills it. */
		if (type == '2')
			handle_resend_request(s, m, now);
		else if (type == '5') {
			handle_logout(s, m, now);
			return;
		}
		if (s->fd < 0)
			return;
		if (s->resend_until == 0 ||
		    now - s->resend_sent_ns > 2 * (uint64_t)s->cfg.heartbeat_s * NS_PER_S) {
			s->resend_until = seq;
			send_resend_request(s, h->next_in_seq, now);
		} else if (seq > s->resend_until) {
			s->resend_until = seq;
		}
		return;
	}
	h->next_in_seq++;
	switch (type) {
	case '0': {
		const char *id;
		size_t n;
		char want[24];
		int wn = snprintf(want, sizeof(want), "RG%llu", (unsigned long long)s->test_req_id);
		if (s->test_req_sent_ns != 0 && rg_fix_get(m, RG_FIX_TAG_TEST_REQ_ID, &id, &n) && n == (size_t)wn &&
		    memcmp(id, want, n) == 0) {
			s->test_req_sent_ns = 0;
			if (s->state == RG_FIX_SYNCING)
				sync_done(s, now);
		}
		break;
	}
	case '1': {
		const char *id;
		size_t n;
		rg_fix_get(m, RG_FIX_TAG_TEST_REQ_ID, &id, &n);
		send_heartbeat(s, id, n, now);
		break;
	}
	case '2': handle_resend_request(s, m, now); break;
	case '3': {
		char text[160];
		field_text(m, RG_FIX_TAG_TEXT, text, sizeof(text));
		s->stats.rejects_received++;
		logf_(s, "venue rejected our message: %s", text);
		break;
	}
	case '4':
		s->stats.gap_fills_received++;
		if (new_seq > seq)
			h->next_in_seq = new_seq;
		else
			send_reject(s, RG_VPE_SEQ_RESET_BACK, seq, RG_FIX_TAG_NEW_SEQ_NO, "4",
				    RG_FIX_REJ_VALUE_OUT_OF_RANGE, "GapFill may not lower the sequence number", now);
		break;
	case '5': handle_logout(s, m, now); return;
	case 'A': logf_(s, "unexpected Logon while logged on; ignored"); break;
	default:
		if (s->cb.on_app != NULL)
			s->cb.on_app(s->cb.ctx, m, now);
		break;
	}
check_resend:
	if (s->resend_until != 0 && h->next_in_seq > s->resend_until) {
		s->resend_until = 0;
		/* The resent range may have swallowed the answer to our sync
		 * TestRequest (venues gap-fill Heartbeats): ask again. */
		if (s->state == RG_FIX_SYNCING && s->fd >= 0)
			send_test_request(s, now);
	}
}

static unsigned read_input(struct rg_fix_session *s, uint64_t now)
{
	unsigned handled = 0;

	for (int r = 0; r < READS_PER_POLL && s->fd >= 0; r++) {
		size_t off = 0;
		ssize_t n = recv(s->fd, s->in + s->in_len, sizeof(s->in) - s->in_len, MSG_DONTWAIT);

		if (n == 0) {
			fail_(s, "the venue closed the connection");
			disconnect(s, RG_FIX_DOWN_IO, now);
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				fail_(s, "recv: %s", strerror(errno));
				disconnect(s, RG_FIX_DOWN_IO, now);
			}
			break;
		}
		s->in_len += (size_t)n;
		while (off < s->in_len) {
			ptrdiff_t f = rg_fix_frame(s->in + off, s->in_len - off);
			if (f == 0)
				break;
			if (f < 0) {
				/* Reported as one run when a message follows or the input runs dry. */
				s->stats.garbage_bytes += (uint64_t)-f;
				s->garbage_run += (uint64_t)-f;
				off += (size_t)-f;
				continue;
			}
			garbage_run_end(s, now);
			handle_frame(s, s->in + off, (size_t)f, now);
			handled++;
			if (s->fd < 0)
				return handled; /* disconnect emptied the buffer */
			off += (size_t)f;
		}
		memmove(s->in, s->in + off, s->in_len - off);
		s->in_len -= off;
	}
	/* Nothing left that may still become a message: the run is over. */
	if (s->in_len == 0)
		garbage_run_end(s, now);
	return handled;
}

/* ---- timers and the poll loop ------------------------------------------- */

static void timers(struct rg_fix_session *s, uint64_t now)
{
	uint64_t hb = (uint64_t)s->cfg.heartbeat_s * NS_PER_S;

	switch (s->state) {
	case RG_FIX_DOWN:
		if (now >= s->next_connect_ns)
			start_connect(s, now);
		break;
	case RG_FIX_CONNECTING:
		if (now > s->deadline_ns) {
			fail_(s, "connect %s:%u: timed out", s->cfg.host, s->cfg.port);
			disconnect(s, RG_FIX_DOWN_CONNECT_FAILED, now);
		}
		break;
	case RG_FIX_LOGON_SENT:
		if (now > s->deadline_ns) {
			fail_(s, "no Logon from the venue within %llu s", (unsigned long long)(LOGON_TIMEOUT_NS / NS_PER_S));
			disconnect(s, RG_FIX_DOWN_PROTOCOL, now);
		}
		break;
	case RG_FIX_LOGOUT_SENT:
		if (now > s->deadline_ns)
			disconnect(s, RG_FIX_DOWN_STOPPING, now);
		break;
	case RG_FIX_SYNCING:
	case RG_FIX_ACTIVE:
		if (s->test_req_sent_ns != 0 && now - s->test_req_sent_ns > hb) {
			fail_(s, "no answer to TestRequest within %u s", s->cfg.heartbeat_s);
			disconnect(s, RG_FIX_DOWN_HEARTBEAT_TIMEOUT, now);
			break;
		}
		if (s->test_req_sent_ns == 0 && now - s->last_rx_ns > hb + hb / 5)
			send_test_request(s, now);
		if (s->fd >= 0 && now - s->last_tx_ns >= hb)
			send_heartbeat(s, NULL, 0, now);
		break;
	default: break;
	}
}

unsigned rg_fix_session_poll(struct rg_fix_session *s, uint64_t now, int timeout_ms)
{
	struct pollfd pfd;
	unsigned work = 0;
	int n;

	timers(s, now);
	if (s->fd < 0) {
		if (timeout_ms > 0)
			poll(NULL, 0, timeout_ms);
		return 0;
	}
	pfd.fd = s->fd;
	pfd.events = POLLIN;
	if (s->state == RG_FIX_CONNECTING || s->out_len > 0)
		pfd.events |= POLLOUT;
	pfd.revents = 0;
	n = poll(&pfd, 1, timeout_ms);
	if (n <= 0)
		return 0;
	if (timeout_ms > 0)
		now = rg_mono_ns();
	if (s->state == RG_FIX_CONNECTING) {
		int e = 0;
		socklen_t el = sizeof(e);
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
			e = errno;
		if (e == 0 && (pfd.revents & POLLOUT)) {
			connected(s, now);
			work++;
		} else if (e != 0 || (pfd.revents & (POLLERR | POLLHUP))) {
			fail_(s, "connect %s:%u: %s", s->cfg.host, s->cfg.port, strerror(e != 0 ? e : ECONNREFUSED));
			disconnect(s, RG_FIX_DOWN_CONNECT_FAILED, now);
		}
		return work;
	}
	if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
		work += read_input(s, now);
	if (s->fd >= 0 && s->out_len > 0 && !flush(s))
		disconnect(s, RG_FIX_DOWN_IO, now);
	return work;
}

bool rg_fix_session_ready(const struct rg_fix_session *s)
{
	return s->state == RG_FIX_ACTIVE && s->fd >= 0 && s->out_len + RG_FIX_MAX_MSG <= sizeof(s->out);
}

int rg_fix_session_send_app(struct rg_fix_session *s, const char *msg, size_t len, uint64_t engine_seq, uint8_t kind,
			    uint64_t now)
{
	uint64_t seq = s->store.hdr->next_out_seq;

	if (!rg_fix_session_ready(s))
		return -EAGAIN;
	rg_fix_store_record_sent(&s->store, seq, engine_seq, kind);
	s->store.hdr->next_out_seq = seq + 1;
	queue(s, msg, len, now);
	return 0;
}

void rg_fix_session_stop(struct rg_fix_session *s, int timeout_ms)
{
	uint64_t now = rg_mono_ns(), end = now + (uint64_t)timeout_ms * 1000000ull;

	s->stopping = true;
	if (s->state == RG_FIX_SYNCING || s->state == RG_FIX_ACTIVE) {
		logf_(s, "logging out");
		if (send_logout(s, NULL, now) && s->fd >= 0) {
			s->state = RG_FIX_LOGOUT_SENT;
			s->deadline_ns = end;
			while (s->state == RG_FIX_LOGOUT_SENT && (now = rg_mono_ns()) < end)
				rg_fix_session_poll(s, now, 10);
		}
	}
	if (s->fd >= 0)
		disconnect(s, RG_FIX_DOWN_STOPPING, rg_mono_ns());
	s->state = RG_FIX_STOPPED;
}

int rg_fix_session_init(struct rg_fix_session *s, const struct rg_fix_session_cfg *cfg,
			const struct rg_fix_session_callbacks *cb, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	memset(s, 0, offsetof(struct rg_fix_session, in));
	s->fd = -1;
	s->store.fd = -1;
	s->cfg = *cfg;
	s->cb = *cb;
	if (cfg->heartbeat_s == 0 || cfg->sender[0] == '\0' || cfg->target[0] == '\0' || cfg->host[0] == '\0' ||
	    cfg->port == 0 || cfg->store_path[0] == '\0') {
		snprintf(err, errlen, "fix session: host, port, sender_comp_id, target_comp_id, heartbeat_s and store "
				      "are required");
		return -EINVAL;
	}
	if (s->cfg.reconnect_min_ns == 0)
		s->cfg.reconnect_min_ns = 500000000ull;
	if (s->cfg.reconnect_max_ns < s->cfg.reconnect_min_ns)
		s->cfg.reconnect_max_ns = s->cfg.reconnect_min_ns;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", cfg->port);
	rc = getaddrinfo(cfg->host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "fix session: cannot resolve %s:%u: %s", cfg->host, cfg->port, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
	s->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	rc = rg_fix_store_open(&s->store, cfg->store_path, cfg->sender, cfg->target, err, errlen);
	if (rc != 0)
		return rc;
	s->backoff_ns = s->cfg.reconnect_min_ns;
	s->state = RG_FIX_DOWN;
	s->next_connect_ns = 0;
	return 0;
}

void rg_fix_session_fini(struct rg_fix_session *s)
{
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	rg_fix_store_close(&s->store);
	/* Do not leave the password in freed memory. */
	explicit_bzero(s->cfg.password, sizeof(s->cfg.password));
}
