/* Unit tests for lib/safe.c: what a terminal is shown of hostile text,
 * and that a UTF-8 sequence cut between writes comes out whole. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "buf.h"
#include "safe.h"

static void check(const char *in, size_t n, const char *want, const char *what)
{
	struct strbuf sb = STRBUF_INIT;

	safe_append(&sb, in, n);
	is_str(sb.buf, want, "%s", what);
	sb_release(&sb);
}

/* Feed in through a neutralising safe_out split at every byte boundary
 * (as two writes) and compare with want. */
static void check_stream(const char *in, const char *want, const char *what)
{
	size_t n = strlen(in);
	int all = 1;

	for (size_t cut = 0; cut <= n; cut++) {
		char *got = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&got, &len);
		struct safe_out s;

		safe_out_init(&s, fp);
		s.neutralise = 1;
		safe_out_write(&s, in, cut);
		safe_out_write(&s, in + cut, n - cut);
		safe_out_end(&s);
		fclose(fp);
		if (strcmp(got, want)) {
			diag("cut at %zu: got '%s'", cut, got);
			all = 0;
		}
		free(got);
	}
	ok(all, "%s, split at every byte", what);
}

int main(void)
{
	plan(14);
	check("plain text, é ü 日本", 24, "plain text, é ü 日本", "printable UTF-8 is kept");
	check("\x1b]0;pwned\x07", 10, "^[]0;pwned^G", "OSC 0 title change shown as carets");
	check("\x1b[2J", 4, "^[[2J", "clear screen shown");
	check("a\nb\tc\r", 6, "a^Jb^Ic^M", "one-line form shows newline, tab, CR");
	check("\xc2\x9b" "31m", 5, "M-^[31m", "C1 CSI (U+009B) shown as M-^[");
	check("\x9b" "31m", 4, "M-^[31m", "a stray 0x9B byte shown as M-^[");
	check("x\xe2\x80\xaey", 5, "x<U+202E>y", "bidi override shown as <U+202E>");
	check("\x7f", 1, "^?", "DEL shown as ^?");
	check("a\0b", 3, "a^@b", "NUL shown as ^@");
	check("\xff\xe9", 2, "\xff\xe9", "other bytes that are not UTF-8 pass");
	check_stream("é\xc2\x9b日\xe2\x80\xae\x1b]52;c;Zm9v\x07 end\n",
		     "éM-^[日<U+202E>^[]52;c;Zm9v^G end\n", "a stream keeps newlines");
	check_stream("abc\xe6\x97", "abc\xe6M-^W", "a sequence that never ends is written at the end, its C1-range byte shown");

	{
		char *got = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&got, &len);
		struct safe_out s;

		safe_out_init(&s, fp);	/* a memstream is not a terminal */
		safe_out_write(&s, "\x1b[2J\xc2", 5);
		safe_out_write(&s, "\x9b", 1);
		safe_out_end(&s);
		fclose(fp);
		is_int((long long)len, 6, "into a file every byte is written");
		ok(len == 6 && !memcmp(got, "\x1b[2J\xc2\x9b", 6), "and the bytes are exact");
		free(got);
	}
	return done_testing();
}
