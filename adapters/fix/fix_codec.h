/*
 * FIX 4.4 codec: framing, parsing, validation and encoding of tag=value
 * messages, as pure functions over caller buffers.  Nothing here allocates,
 * makes a system call, keeps state or reads the clock, so every function is
 * safe from any thread and the parser can be fuzzed on its own
 * (tests/fuzz/fuzz_fix_parse.c).
 *
 * Wire format reminder: every field is `tag=value<SOH>` (SOH = 0x01).  A
 * message is
 *     8=FIX.4.4 SOH 9=<BodyLength> SOH 35=<MsgType> SOH ... 10=<CheckSum> SOH
 * where BodyLength counts the bytes from the first byte after the 9= field's
 * SOH up to and including the SOH before 10=, and CheckSum is the sum of every
 * byte before 10= modulo 256, written as exactly three digits.
 *
 * Parsed messages are views: struct rg_fix_msg records (tag, offset, length)
 * triples that point into the caller's buffer, which must outlive the view,
 * and an index from tag to field for the tags below RG_FIX_INDEX_TAGS (every
 * tag riskgate reads often), so a lookup costs one load, not a scan.
 * Repeating groups are not interpreted; a repeated tag is kept and lookups
 * return its first occurrence.  Binary data fields (which may contain SOH)
 * are not supported: the messages riskgate exchanges carry none.
 */
#ifndef RG_FIX_CODEC_H
#define RG_FIX_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_FIX_SOH '\x01'
#define RG_FIX_BEGIN_STRING "FIX.4.4"
#define RG_FIX_MAX_MSG 4096u      /* largest message accepted or built, bytes */
#define RG_FIX_MAX_FIELDS 96u     /* fields of one message after 9=, including 10= */
#define RG_FIX_INDEX_TAGS 160u    /* tags below this are found through rg_fix_msg.index */
#define RG_FIX_TIME_LEN 21u       /* "YYYYMMDD-HH:MM:SS.sss" */
#define RG_FIX_COMP_ID_MAX 32u    /* SenderCompID/TargetCompID, bytes without NUL */
#define RG_FIX_CLORDID_MAX 64u    /* longest ClOrdID riskgate emits, with NUL */

/* Tags riskgate reads or writes (FIX 4.4 numbers). */
enum rg_fix_tag {
	RG_FIX_TAG_BEGIN_SEQ_NO = 7,
	RG_FIX_TAG_BEGIN_STRING = 8,
	RG_FIX_TAG_BODY_LENGTH = 9,
	RG_FIX_TAG_CHECKSUM = 10,
	RG_FIX_TAG_CL_ORD_ID = 11,
	RG_FIX_TAG_CUM_QTY = 14,
	RG_FIX_TAG_END_SEQ_NO = 16,
	RG_FIX_TAG_EXEC_ID = 17,
	RG_FIX_TAG_LAST_PX = 31,
	RG_FIX_TAG_LAST_QTY = 32,
	RG_FIX_TAG_MSG_SEQ_NUM = 34,
	RG_FIX_TAG_MSG_TYPE = 35,
	RG_FIX_TAG_NEW_SEQ_NO = 36,
	RG_FIX_TAG_ORDER_ID = 37,
	RG_FIX_TAG_ORDER_QTY = 38,
	RG_FIX_TAG_ORD_STATUS = 39,
	RG_FIX_TAG_ORD_TYPE = 40,
	RG_FIX_TAG_ORIG_CL_ORD_ID = 41,
	RG_FIX_TAG_POSS_DUP_FLAG = 43,
	RG_FIX_TAG_PRICE = 44,
	RG_FIX_TAG_REF_SEQ_NUM = 45,
	RG_FIX_TAG_SENDER_COMP_ID = 49,
	RG_FIX_TAG_SENDING_TIME = 52,
	RG_FIX_TAG_SIDE = 54,
	RG_FIX_TAG_SYMBOL = 55,
	RG_FIX_TAG_TARGET_COMP_ID = 56,
	RG_FIX_TAG_TEXT = 58,
	RG_FIX_TAG_TIME_IN_FORCE = 59,
	RG_FIX_TAG_TRANSACT_TIME = 60,
	RG_FIX_TAG_POSS_RESEND = 97,
	RG_FIX_TAG_ENCRYPT_METHOD = 98,
	RG_FIX_TAG_CXL_REJ_REASON = 102,
	RG_FIX_TAG_ORD_REJ_REASON = 103,
	RG_FIX_TAG_HEART_BT_INT = 108,
	RG_FIX_TAG_TEST_REQ_ID = 112,
	RG_FIX_TAG_ORIG_SENDING_TIME = 122,
	RG_FIX_TAG_GAP_FILL_FLAG = 123,
	RG_FIX_TAG_RESET_SEQ_NUM_FLAG = 141,
	RG_FIX_TAG_EXEC_TYPE = 150,
	RG_FIX_TAG_LEAVES_QTY = 151,
	RG_FIX_TAG_REF_TAG_ID = 371,
	RG_FIX_TAG_REF_MSG_TYPE = 372,
	RG_FIX_TAG_SESSION_REJECT_REASON = 373,
	RG_FIX_TAG_CXL_REJ_RESPONSE_TO = 434,
	RG_FIX_TAG_USERNAME = 553,
	RG_FIX_TAG_PASSWORD = 554,
};

/* SessionRejectReason (373) values riskgate sends. */
enum rg_fix_reject_reason {
	RG_FIX_REJ_INVALID_TAG_NUMBER = 0,
	RG_FIX_REJ_REQUIRED_TAG_MISSING = 1,
	RG_FIX_REJ_TAG_WITHOUT_VALUE = 4,
	RG_FIX_REJ_VALUE_OUT_OF_RANGE = 5,
	RG_FIX_REJ_INCORRECT_DATA_FORMAT = 6,
	RG_FIX_REJ_COMP_ID_PROBLEM = 9,
	RG_FIX_REJ_SENDING_TIME_ACCURACY = 10,
	RG_FIX_REJ_INVALID_MSG_TYPE = 11,
	RG_FIX_REJ_TAG_OUT_OF_ORDER = 14,
	RG_FIX_REJ_OTHER = 99,
};

/* ---- framing ------------------------------------------------------------ */

/*
 * Finds the message at the start of `buf` (`len` bytes received so far).
 * Returns:
 *   > 0  the length of a complete, well-framed message at buf[0]: it begins
 *        8=FIX.4.4 SOH 9=<n> SOH and a 10=ddd SOH trailer sits exactly where
 *        BodyLength says (its CheckSum is not verified here: rg_fix_parse does);
 *   0    the bytes so far are a valid prefix of a message: read more;
 *   < 0  -(number of leading bytes to discard): they cannot start a message
 *        (garbage, or a frame whose BodyLength is wrong).  The count stops at
 *        the next "8=FIX.4.4" SOH, or keeps a tail that may still become one.
 * Pure; never reads beyond buf[len - 1].
 */
ptrdiff_t rg_fix_frame(const char *buf, size_t len);

/* ---- parsing ------------------------------------------------------------ */

/* One field of a parsed message: value at msg->buf[off], len bytes. */
struct rg_fix_field {
	uint32_t tag;
	uint16_t off; /* offset of the value from the start of the message */
	uint16_t len; /* value length, > 0 */
};

/* A parsed message: a view into the buffer given to rg_fix_parse. */
struct rg_fix_msg {
	const char *buf;          /* the message's first byte ("8=") */
	uint32_t len;             /* total length, through the trailer's SOH */
	uint32_t n_fields;        /* fields[] entries: 35 first, 10 excluded */
	char msg_type[3];         /* MsgType (35), NUL-terminated; 1 or 2 chars */
	uint8_t msg_type_len;
	uint8_t index[RG_FIX_INDEX_TAGS]; /* tag -> 1 + its first field's position; 0 = absent */
	struct rg_fix_field fields[RG_FIX_MAX_FIELDS];
};

enum rg_fix_parse_rc {
	RG_FIX_PARSE_OK = 0,
	RG_FIX_PARSE_GARBLED = 1,         /* not a well-framed FIX.4.4 message */
	RG_FIX_PARSE_BAD_CHECKSUM = 2,    /* framed, but CheckSum(10) is wrong */
	RG_FIX_PARSE_BAD_TAG = 3,         /* a tag is not a positive number, or '=' is missing */
	RG_FIX_PARSE_EMPTY_VALUE = 4,     /* tag= followed directly by SOH */
	RG_FIX_PARSE_TOO_MANY_FIELDS = 5, /* more than RG_FIX_MAX_FIELDS */
	RG_FIX_PARSE_NO_MSG_TYPE = 6,     /* first body field is not 35, or its value is not 1-2 chars */
};

/* Where a parse failed, for the session Reject it leads to. */
struct rg_fix_parse_error {
	uint32_t ref_tag;     /* offending tag when known, else 0 */
	uint64_t seq;         /* MsgSeqNum (34) if it could be read, else 0 */
	char msg_type[3];     /* MsgType if it could be read, else "" */
};

/*
 * Parses and checks the whole message buf[0, len): framing exactly as
 * rg_fix_frame (and len must equal the frame length), CheckSum, and each
 * field's syntax.  Fills *m (a view into buf) and returns RG_FIX_PARSE_OK, or
 * another enum rg_fix_parse_rc with what could be learned in *err (may be
 * NULL).  Does not check which tags are present: rg_fix_validate does.
 * Pure: any byte string is safe input.
 */
int rg_fix_parse(const char *buf, size_t len, struct rg_fix_msg *m, struct rg_fix_parse_error *err);

/* Value of the first field `tag`: true with *val and *len set, or false. */
bool rg_fix_get(const struct rg_fix_msg *m, uint32_t tag, const char **val, size_t *len);

/* Typed getters.  Each returns 1 when the field is present and well formed,
 * 0 when absent, -1 when present but malformed (out untouched then). */
int rg_fix_get_u64(const struct rg_fix_msg *m, uint32_t tag, uint64_t *out);   /* digits only */
int rg_fix_get_char(const struct rg_fix_msg *m, uint32_t tag, char *out);      /* exactly one char */
int rg_fix_get_bool(const struct rg_fix_msg *m, uint32_t tag, bool *out);      /* 'Y' or 'N' */
int rg_fix_get_e8(const struct rg_fix_msg *m, uint32_t tag, int64_t *out);     /* decimal -> x 10^8 */

/*
 * Decimal text to fixed point x 10^8: "-12.5" -> -1250000000.  Accepts an
 * optional '-', digits, an optional '.' and up to 8 fraction digits (further
 * digits only if they are zeros).  Returns false on any other text or on
 * overflow of int64_t.
 */
bool rg_fix_parse_e8(const char *s, size_t n, int64_t *out);

/* Digits to uint64_t; false on empty, non-digit or overflow. */
bool rg_fix_parse_u64(const char *s, size_t n, uint64_t *out);

/*
 * Checks what riskgate relies on beyond syntax: the standard header fields
 * (49, 56, 34, 52) are present, MsgSeqNum is a number, and the message types
 * riskgate handles carry their required fields with values of the right type:
 *   0 Heartbeat       -
 *   1 TestRequest     112
 *   2 ResendRequest   7, 16 (numbers)
 *   3 Reject          45 (number)
 *   4 SequenceReset   36 (number); 123 Y/N when present
 *   5 Logout          -
 *   A Logon           98, 108 (numbers)
 *   8 ExecutionReport 11, 17, 37, 39, 54, 55, 150, 14, 151 (qty); 31, 32 for fills
 *   9 OrderCancelReject 11, 37, 39, 41, 434
 * 43 and 141 must be Y/N when present.  Returns 0, or -1 with the offending
 * tag and SessionRejectReason (373) in *ref_tag / *reason.  Other message
 * types pass (the session layer answers them).  Pure.
 */
int rg_fix_validate(const struct rg_fix_msg *m, uint32_t *ref_tag, unsigned *reason);

/* ---- encoding ----------------------------------------------------------- */

/*
 * A message under construction in a caller buffer.  The body is written from
 * buf + RG_FIX_HDR_RESERVE; rg_fix_finish then places 8= and 9= right before
 * it and appends 10=, so a message is built with no copy.  An append that
 * does not fit sets `overflow`, after which appends do nothing and
 * rg_fix_finish returns 0.
 */
#define RG_FIX_HDR_RESERVE 24u /* room for "8=FIX.4.4<SOH>9=<up to 10 digits><SOH>" */

struct rg_fix_writer {
	char *buf;     /* caller memory */
	size_t cap;    /* its size */
	size_t pos;    /* next body byte */
	bool overflow; /* an append did not fit */
};

/* Common header of an outgoing message. */
struct rg_fix_header {
	const char *sender;       /* SenderCompID (49) */
	const char *target;       /* TargetCompID (56) */
	uint64_t seq;             /* MsgSeqNum (34) */
	const char *sending_time; /* SendingTime (52), RG_FIX_TIME_LEN chars */
	bool poss_dup;            /* adds 43=Y and 122=sending_time (OrigSendingTime) */
};

/* Starts a message of type `msg_type` with the standard header.  `cap` must be
 * at least RG_FIX_HDR_RESERVE + 7 for anything to fit. */
void rg_fix_begin(struct rg_fix_writer *w, char *buf, size_t cap, const char *msg_type, const struct rg_fix_header *h);

void rg_fix_add_str(struct rg_fix_writer *w, uint32_t tag, const char *s);
void rg_fix_add_strn(struct rg_fix_writer *w, uint32_t tag, const char *s, size_t n);
void rg_fix_add_u64(struct rg_fix_writer *w, uint32_t tag, uint64_t v);
void rg_fix_add_char(struct rg_fix_writer *w, uint32_t tag, char c);
/* A fixed-point x 10^8 value as the shortest decimal: 150000000 -> "1.5". */
void rg_fix_add_e8(struct rg_fix_writer *w, uint32_t tag, int64_t v);

/*
 * Completes the message: writes BeginString and BodyLength in front of the
 * body and the CheckSum trailer after it.  Returns its length and sets *out
 * to its first byte (inside w->buf), or returns 0 if anything overflowed.
 */
size_t rg_fix_finish(struct rg_fix_writer *w, const char **out);

/* Formats a CLOCK_REALTIME instant as UTC "YYYYMMDD-HH:MM:SS.sss" into out
 * (RG_FIX_TIME_LEN + 1 bytes, NUL-terminated).  Pure; no locale, no tz. */
void rg_fix_format_time(char *out, uint64_t realtime_ns);

/* ---- riskgate's order identifiers -------------------------------------- */

/*
 * ClOrdID (11) of a new order: "<run>-<engine_seq>" in decimal, e.g. "3-42".
 * `run` counts the adapter's starts on one session store (fix_store.h), so
 * an engine whose sequence restarts at 1 never repeats a ClOrdID within a
 * FIX session.  A cancel's own ClOrdID is "<run>-<engine_seq>-C<MsgSeqNum>",
 * unique because MsgSeqNums never repeat within a session.  Each returns the
 * length written to out (RG_FIX_CLORDID_MAX bytes, NUL-terminated).
 */
size_t rg_fix_clordid_new(char *out, uint32_t run, uint64_t engine_seq);
size_t rg_fix_clordid_cancel(char *out, uint32_t run, uint64_t engine_seq, uint64_t msg_seq);
/* A replace's (OrderCancelReplaceRequest) ClOrdID: "<run>-<engine_seq>-R<MsgSeqNum>"; once the venue
 * has replaced the order, its ClOrdID (the OrigClOrdID of what follows).  msg_seq 0: the order's first,
 * rg_fix_clordid_new's. */
size_t rg_fix_clordid_replace(char *out, uint32_t run, uint64_t engine_seq, uint64_t msg_seq);

/* run and engine_seq from a ClOrdID riskgate made ("3-42", "3-42-C7" or "3-42-R9");
 * false for anything else (another system's order). */
bool rg_fix_clordid_parse(const char *s, size_t n, uint32_t *run, uint64_t *engine_seq);

/* ---- application messages ---------------------------------------------- */

/* A NewOrderSingle (35=D) in riskgate's terms. */
struct rg_fix_new_order {
	uint64_t engine_seq; /* with run, becomes ClOrdID (11) */
	const char *symbol;  /* Symbol (55) */
	int64_t qty_e8;      /* OrderQty (38) */
	int64_t price_e8;    /* Price (44), limit orders only */
	uint8_t side;        /* enum rg_side: 54=1 buy, 54=2 sell */
	uint8_t type;        /* enum rg_order_type: 40=2 limit, 40=1 market */
	uint8_t tif;         /* enum rg_time_in_force: 59=0 day, 3 IOC, 4 FOK, 1 GTC */
	uint32_t run;        /* the adapter's run on its store: ClOrdID "<run>-<engine_seq>" */
};

/* Encodes a NewOrderSingle (TransactTime = the header's sending time) into
 * buf.  Returns its length with *out at its first byte, or 0 when it does not
 * fit or a field is out of range (unknown side/type/tif). */
size_t rg_fix_encode_new_order(char *buf, size_t cap, const struct rg_fix_header *h, const struct rg_fix_new_order *o,
			       const char **out);

/* What riskgate takes from an ExecutionReport (35=8). */
struct rg_fix_exec {
	uint64_t engine_seq;  /* from ClOrdID (11), else OrigClOrdID (41) */
	uint32_t run;         /* the run that sent the order */
	bool ours;            /* false: neither id is one riskgate made */
	char exec_type;       /* ExecType (150) */
	char ord_status;      /* OrdStatus (39) */
	int64_t last_qty_e8;  /* LastQty (32), fills */
	int64_t last_px_e8;   /* LastPx (31), fills */
	int64_t leaves_e8;    /* LeavesQty (151) */
	int64_t cum_qty_e8;   /* CumQty (14) */
	uint32_t ord_rej_reason; /* OrdRejReason (103), 0 when absent */
	const char *symbol;   /* Symbol (55), points into the message */
	uint32_t symbol_len;
};

/* Decodes a message that passed rg_fix_validate as an ExecutionReport.
 * Returns 0, or -1 with *ref_tag set when a field riskgate needs is missing
 * or malformed. */
int rg_fix_decode_exec(const struct rg_fix_msg *m, struct rg_fix_exec *e, uint32_t *ref_tag);

#ifdef __cplusplus
}
#endif

#endif /* RG_FIX_CODEC_H */
