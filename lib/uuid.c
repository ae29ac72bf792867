#include <string.h>
#include <ctype.h>
#include <sodium.h>

#include "uuid.h"
#include "timeutil.h"

static int64_t last_ms = -1;
static unsigned last_seq;

static void format(char out[UUID_STRLEN + 1], const unsigned char b[16])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[b[i] >> 4];
		*o++ = hex[b[i] & 15];
	}
	*o = '\0';
}

static void make(char out[UUID_STRLEN + 1], int64_t ms, int monotonic)
{
	unsigned char b[16];
	unsigned seq;

	randombytes_buf(b, sizeof b);
	if (!monotonic) {
		seq = (unsigned)(b[6] & 0x0f) << 8 | b[7];
	} else if (ms <= last_ms) {
		/* same (or earlier: clock stepped back) millisecond: count on */
		ms = last_ms;
		seq = last_seq + 1;
		if (seq > 0xfff) {
			ms = ++last_ms;
			seq = (unsigned)(b[6] & 0x07) << 8 | b[7];
		}
	} else {
		/* a random start in the lower half leaves room to count */
		seq = (unsigned)(b[6] & 0x07) << 8 | b[7];
	}
	if (monotonic) {
		last_ms = ms;
		last_seq = seq;
	}
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)((uint64_t)ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (seq >> 8));
	b[7] = (unsigned char)(seq & 0xff);
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	format(out, b);
}

void uuid_v7_at(char out[UUID_STRLEN + 1], int64_t ms)
{
	make(out, ms, 0);
}

void uuid_v7(char out[UUID_STRLEN + 1])
{
	make(out, time_now_ms(), 1);
}

int uuid_valid(const char *s)
{
	if (!s || strlen(s) != UUID_STRLEN)
		return 0;
	for (int i = 0; i < UUID_STRLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

int64_t uuid_v7_time(const char *s)
{
	int64_t ms = 0;
	if (!uuid_valid(s) || s[14] != '7')
		return -1;
	for (int i = 0; i < 13; i++) {
		if (i == 8)
			continue;
		int c = tolower((unsigned char)s[i]);
		ms = ms << 4 | (c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return ms;
}
