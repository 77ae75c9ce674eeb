/*
 * Protocol errors from venues, engine side (engine_protocol.h): a venue
 * event becomes one VENUE_PROTOCOL_ERROR journal record and one tick of the
 * venue's counter.  The event carries only numbers (what was wrong, the
 * reject reason, the tag, the sequence number, a byte count), so nothing a
 * venue sent -- and nothing secret -- can reach the record.
 */
#include "engine_protocol.h"

#include <string.h>

#include "engine_journal.h"
#include "engine_state.h"

/* The journal's numbers are wire format; the adapters' enum must agree. */
RG_STATIC_ASSERT((int)RG_VPE_MALFORMED == (int)RG_JPROTO_MALFORMED &&
			 (int)RG_VPE_BAD_CHECKSUM == (int)RG_JPROTO_BAD_CHECKSUM &&
			 (int)RG_VPE_GARBAGE == (int)RG_JPROTO_GARBAGE && (int)RG_VPE_COMP_ID == (int)RG_JPROTO_COMP_ID &&
			 (int)RG_VPE_SEQ_RESET_BACK == (int)RG_JPROTO_SEQ_RESET_BACK,
		 "protocol error numbers");

void rg_engine_on_protocol_error(struct rg_engine *e, uint16_t venue, const struct rg_venue_event *ev,
				 uint64_t now_ns)
{
	struct rg_jbody_protocol_error b;

	memset(&b, 0, sizeof(b));
	b.ref_seq_num = ev->ref_seq_num;
	b.bytes_skipped = ev->bytes_skipped;
	b.ref_tag = ev->ref_tag;
	b.venue = venue;
	b.venue_kind = e->cfg->venues[venue].kind;
	b.what = ev->protocol_error;
	b.reject_reason = ev->reason;
	b.reject_sent = ev->reject_sent != 0;
	if (!rg_journal_venue_protocol_error(&e->journal, now_ns, RG_JREC_NONE, RG_JREC_NONE, &b))
		rg_ej_refused(e); /* fail closed, as for every record but an order's */
	if (venue < RG_CTL_VENUES)
		e->inst.ctl->venue_protocol_errors[venue]++;
}
