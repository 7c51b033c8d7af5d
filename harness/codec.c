/* The binary form: total decoding of raw bytes, canonical encoding, and
 * loading a file in any of the three forms (container, text, raw). */
#include <stdio.h>
#include <string.h>

#include "harness/optable.h"
#include "mmfuzz/profile.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void mmf_seq_decode(const uint8_t *buf, size_t len, struct mmf_seq *out)
{
	uint8_t hdr[MMF_HEADER_SIZE] = { 0 };
	memcpy(hdr, buf, len < MMF_HEADER_SIZE ? len : MMF_HEADER_SIZE);
	uint16_t raw_swarm = (uint16_t)(hdr[2] | hdr[3] << 8);
	out->version = MMF_FORMAT_VERSION;
	out->profile = (uint8_t)(hdr[1] % mmf_profile_count());
	out->swarm = raw_swarm & (uint16_t)((1u << MMF_NR_FAMILIES) - 1);
	out->seed = le32(hdr + 4);
	out->nops = 0;
	if (len <= MMF_HEADER_SIZE)
		return;
	size_t nrec = (len - MMF_HEADER_SIZE) / MMF_RECORD_SIZE;
	const uint8_t *r = buf + MMF_HEADER_SIZE;
	for (size_t i = 0; i < nrec && out->nops < MMF_MAX_OPS; i++, r += MMF_RECORD_SIZE) {
		struct mmf_op op = { r[0], r[1], r[2], r[3], le32(r + 4) };
		if (mmf_op_canonical(&op, out->profile, raw_swarm))
			out->ops[out->nops++] = op;
	}
}

size_t mmf_seq_encode(const struct mmf_seq *seq, uint8_t *buf, size_t cap)
{
	size_t need = MMF_HEADER_SIZE + (size_t)seq->nops * MMF_RECORD_SIZE;
	if (cap < need)
		return need;
	buf[0] = seq->version;
	buf[1] = seq->profile;
	buf[2] = (uint8_t)seq->swarm;
	buf[3] = (uint8_t)(seq->swarm >> 8);
	put_le32(buf + 4, seq->seed);
	uint8_t *r = buf + MMF_HEADER_SIZE;
	for (uint32_t i = 0; i < seq->nops; i++, r += MMF_RECORD_SIZE) {
		const struct mmf_op *op = &seq->ops[i];
		r[0] = op->code;
		r[1] = op->slot;
		r[2] = op->a;
		r[3] = op->b;
		put_le32(r + 4, op->arg);
	}
	return need;
}

/* Which inputs are text (README, "The operation language"):
 *  - one that starts like a text trace -- after an optional UTF-8
 *    byte-order mark and blank space, a '#' comment or the word "mmfuzz"
 *    -- is text, and must be UTF-8 text throughout: a NUL, a control
 *    byte or a broken UTF-8 sequence anywhere is an error at its line and
 *    column, never a silent switch to raw decoding;
 *  - so is any input made only of printable ASCII, tabs and line ends (a
 *    typo in a trace is an error, not raw bytes);
 *  - anything else is raw fuzzer bytes. Fuzzer records are full of small
 *    byte values and start with the format version, so they are not text. */
static size_t skip_bom(const uint8_t *buf, size_t len)
{
	return len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf ? 3 : 0;
}

static int starts_like_text(const uint8_t *buf, size_t len)
{
	size_t i = skip_bom(buf, len);
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i < len && (buf[i] == '#' || (len - i >= 6 && !memcmp(buf + i, "mmfuzz", 6)));
}

static int is_text(const uint8_t *buf, size_t len)
{
	for (size_t i = skip_bom(buf, len); i < len; i++) {
		uint8_t ch = buf[i];
		if (!((ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\n' || ch == '\r'))
			return 0;
	}
	return 1;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	size_t k = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	if (!k || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) || (s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, a surrogate, or past U+10FFFF */
	return k;
}

/* The first byte that cannot be in a text trace: 0 and its place in
 * diag, or 1 when there is none. */
static int text_bytes_ok(const uint8_t *buf, size_t len, struct mmf_diag *diag)
{
	int line = 1, col = 1;
	for (size_t i = skip_bom(buf, len); i < len; col++) {
		uint8_t ch = buf[i];
		size_t k = 1;
		if (ch >= 0x80)
			k = utf8_len(buf + i, len - i);
		else if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
			k = 0;
		else if (ch == 0x7f)
			k = 0;
		if (!k) {
			diag->line = line;
			diag->col = col;
			snprintf(diag->msg, sizeof(diag->msg),
				 "byte 0x%02x cannot be in a text trace (the file starts like one, so it is read as UTF-8 "
				 "text, not raw bytes)",
				 ch);
			return 0;
		}
		if (ch == '\n')
			line++, col = 0;
		i += k;
	}
	return 1;
}

enum mmf_load_result mmf_seq_load(const uint8_t *buf, size_t len,
				  struct mmf_seq *out, enum mmf_input_kind *kind,
				  struct mmf_diag *diag)
{
	enum mmf_input_kind k = MMF_INPUT_RAW;
	memset(diag, 0, sizeof(*diag));
	if (len == 0) {
		snprintf(diag->msg, sizeof(diag->msg), "empty input: nothing to decode");
		return MMF_LOAD_EMPTY;
	}
	if (len >= MMF_MAGIC_SIZE && memcmp(buf, MMF_MAGIC, MMF_MAGIC_SIZE) == 0) {
		k = MMF_INPUT_CONTAINER;
		if (kind)
			*kind = k;
		if (len < MMF_MAGIC_SIZE + MMF_HEADER_SIZE) {
			snprintf(diag->msg, sizeof(diag->msg),
				 "truncated header: %zu bytes, a container needs at least %d",
				 len, MMF_MAGIC_SIZE + MMF_HEADER_SIZE);
			return MMF_LOAD_TRUNCATED;
		}
		if (buf[MMF_MAGIC_SIZE] != MMF_FORMAT_VERSION) {
			snprintf(diag->msg, sizeof(diag->msg),
				 "format version %u is not one this mmfuzz reads (it reads %d)",
				 buf[MMF_MAGIC_SIZE], MMF_FORMAT_VERSION);
			return MMF_LOAD_VERSION;
		}
		if (buf[MMF_MAGIC_SIZE + 1] >= mmf_profile_count()) {
			snprintf(diag->msg, sizeof(diag->msg), "unknown machine profile %u in header",
				 buf[MMF_MAGIC_SIZE + 1]);
			return MMF_LOAD_VERSION;
		}
		mmf_seq_decode(buf + MMF_MAGIC_SIZE, len - MMF_MAGIC_SIZE, out);
		return MMF_LOAD_OK;
	}
	if (len < MMF_MAGIC_SIZE && memcmp(buf, MMF_MAGIC, len) == 0) {
		if (kind)
			*kind = MMF_INPUT_CONTAINER;
		snprintf(diag->msg, sizeof(diag->msg), "truncated header: %zu bytes of the magic", len);
		return MMF_LOAD_TRUNCATED;
	}
	int like_text = starts_like_text(buf, len);
	if (like_text || is_text(buf, len)) {
		if (kind)
			*kind = MMF_INPUT_TEXT;
		if (like_text && !text_bytes_ok(buf, len, diag))
			return MMF_LOAD_SYNTAX;
		if (mmf_seq_parse_text((const char *)buf, len, out, diag))
			return MMF_LOAD_SYNTAX;
		return MMF_LOAD_OK;
	}
	if (kind)
		*kind = k;
	mmf_seq_decode(buf, len, out);
	return MMF_LOAD_OK;
}
