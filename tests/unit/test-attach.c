/* Unit tests for lib/attach.c: the type of a file from its first bytes
 * (each signature, cut short, near misses), the providers' limits, and
 * the parts of a message picked out of a set. */
#include <string.h>

#include "tap.h"
#include "attach.h"

static void type_is(const char *bytes, size_t n, const char *want, int want_kind,
		    const char *what)
{
	enum prov_part_kind kind = (enum prov_part_kind)-1;
	const char *got = attach_detect((const unsigned char *)bytes, n, &kind);

	is_str(got, want, "%s", what);
	if (want)
		is_int(kind, want_kind, "%s: its kind", what);
}

int main(void)
{
	const struct prov_part *parts;
	size_t n;

	type_is("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "image/png", PROV_PART_IMAGE, "PNG");
	type_is("\xff\xd8\xff\xe0\0\x10JFIF", 10, "image/jpeg", PROV_PART_IMAGE, "JPEG");
	type_is("GIF87a\1\0", 8, "image/gif", PROV_PART_IMAGE, "GIF87a");
	type_is("GIF89a\1\0", 8, "image/gif", PROV_PART_IMAGE, "GIF89a");
	type_is("RIFF\x1a\0\0\0WEBPVP8L", 16, "image/webp", PROV_PART_IMAGE, "WebP");
	type_is("%PDF-1.7\n", 9, "application/pdf", PROV_PART_PDF, "PDF");
	type_is("\x89PNG\r\n\x1a", 7, NULL, 0, "a PNG signature cut short is nothing");
	type_is("\xff\xd8", 2, NULL, 0, "two bytes of JPEG are nothing");
	type_is("RIFF\x1a\0\0\0WAVEfmt ", 16, NULL, 0, "RIFF that is not WebP (a WAV) is nothing");
	type_is("XXXX\x1a\0\0\0WEBPVP8L", 16, NULL, 0, "WEBP without RIFF is nothing");
	type_is("GIF88a", 6, NULL, 0, "GIF88a is no GIF");
	type_is("%PDF", 4, NULL, 0, "%PDF without its dash is nothing");
	type_is("hello.png", 9, NULL, 0, "text named like a PNG is no PNG");
	type_is("", 0, NULL, 0, "no bytes are nothing");

	is_int((long long)attach_limits_of(PROV_ANTHROPIC)->image_max, 3750000,
	       "Anthropic: 5 MB of base64 is 3.75 MB of image");
	is_int((long long)attach_limits_of(PROV_GEMINI)->request_max, 20000000,
	       "Gemini: 20 MB a request");
	is_str(attach_limits_of(PROV_ECHO)->who, "OpenAI", "echo takes OpenAI's limits");

	struct attach_file files[3] = {
		{ .name = "a", .message_id = "" },
		{ .name = "b", .message_id = "m1" },
		{ .name = "c", .message_id = "m1" },
	};
	struct prov_part pv[3] = { { .name = "a" }, { .name = "b" }, { .name = "c" } };
	struct attach_set s = { .files = files, .nfiles = 3, .nnew = 1, .parts = pv };
	attach_parts_of(&s, "m1", &parts, &n);
	ok(n == 2 && parts == &pv[1], "a message's parts: its own, in order");
	attach_parts_of(&s, "", &parts, &n);
	ok(n == 1 && parts == &pv[0], "the new message's parts");
	attach_parts_of(&s, "m2", &parts, &n);
	ok(n == 0 && !parts, "a message without files: none");
	return done_testing();
}
