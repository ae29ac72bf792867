/* Unit tests for lib/msg.c: a message line is neutralised, its quoted
 * subjects cut on a UTF-8 boundary, the whole line capped. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "buf.h"
#include "msg.h"

static void check(const char *in, const char *want, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	msg_make_safe(&sb, in, strlen(in));
	is_str(sb.buf, want, "%s", what);
	sb_release(&sb);
}

int main(void)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT, want = STRBUF_INIT;

	check("user 'bob' not found", "user 'bob' not found", "plain text passes");
	check("model 'a\033[2J\nb' is unknown", "model 'a^[[2J^Jb' is unknown",
	      "escapes and newlines shown, one line");
	check("'\xe2\x80\xae'", "'<U+202E>'", "a bidi override shown");
	check("no closing 'quote", "no closing 'quote", "an unclosed quote is kept");

	for (int i = 0; i < 300; i++)
		sb_adds(&in, "\xc3\xa9");	/* é: 2 bytes */
	sb_adds(&want, "x '");
	for (int i = 0; i < 100; i++)
		sb_adds(&want, "\xc3\xa9");
	sb_adds(&want, "...' y");
	{
		struct strbuf line = STRBUF_INIT;
		sb_addf(&line, "x '%s' y", in.buf);
		msg_make_safe(&out, line.buf, line.len);
		is_str(out.buf, want.buf, "a long subject cut to 200 bytes, on a character boundary");
		sb_release(&line);
	}
	sb_reset(&in);
	sb_reset(&out);
	for (int i = 0; i < 100; i++)
		sb_adds(&in, "'a' ");
	for (int i = 0; i < 5000; i++)
		sb_addc(&in, 'z');
	msg_make_safe(&out, in.buf, in.len);
	ok(out.len <= T3_MSG_LINE_MAX + 3, "the whole line is capped (%zu bytes)", out.len);
	ok(out.len >= 3 && !strcmp(out.buf + out.len - 3, "..."), "and says so");
	sb_release(&in);
	sb_release(&out);
	sb_release(&want);
	return done_testing();
}
