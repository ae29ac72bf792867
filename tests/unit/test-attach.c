/* Unit tests for lib/attach.c: the type of a file from its first bytes
 * (each signature, cut short, near misses), the providers' limits,
 * the parts of a message picked out of a set, and the token estimates of
 * images (their pixel size read from each format's header) and PDFs
 * (their pages counted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The part attach_read_files makes of a file of n bytes (its size and
 * pages as read), or a failed test. */
static struct prov_part read_part(const char *bytes, size_t n, const char *what)
{
	char path[] = "/tmp/t3-test-attach.XXXXXX";
	const char *paths[1] = { path };
	struct attach_set s = { 0 };
	struct prov_part p = { .kind = (enum prov_part_kind)-1 };
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, bytes, n) != (ssize_t)n) {
		ok(0, "%s: write a temporary file", what);
		return p;
	}
	close(fd);
	if (attach_read_files(&s, paths, 1, "x") || s.nfiles != 1)
		ok(0, "%s: read as an attachment", what);
	else
		p = s.parts[0];
	p.base64 = p.mime_type = p.name = NULL;	/* freed with the set */
	attach_set_release(&s);
	unlink(path);
	return p;
}

static void size_is(const char *bytes, size_t n, unsigned w, unsigned h, const char *what)
{
	struct prov_part p = read_part(bytes, n, what);
	ok(p.width == w && p.height == h, "%s: %u x %u (got %u x %u)", what, w, h, p.width,
	   p.height);
}

static long tokens(unsigned w, unsigned h, enum prov_api api)
{
	struct prov_part p = { .kind = PROV_PART_IMAGE, .width = w, .height = h };
	return attach_tokens(&p, api);
}

static void estimates(void)
{
	/* a PNG's IHDR: 1000 x 800, big-endian */
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x03\xe8\0\0\x03\x20\x08\x06\0\0\0";
	/* GIF: 640 x 480, little-endian */
	static const char gif[] = "GIF89a\x80\x02\xe0\x01\0\0\0";
	/* JPEG: SOI, an APP0 segment, a DHT (C4, no frame) and SOF2 300 x 200 */
	static const char jpeg[] = "\xff\xd8\xff\xe0\0\x06JFIF\xff\xc4\0\x04\0\0"
		"\xff\xc2\0\x11\x08\0\xc8\x01\x2c\x03";
	/* JPEG whose image data starts before any frame header */
	static const char jpeg_nosof[] = "\xff\xd8\xff\xda\0\x08\xff\xc0\0\x11\x08\0\xc8\x01\x2c";
	/* WebP: lossy VP8 (frame tag, start code, 14-bit sizes) 320 x 240 */
	static const char vp8[] = "RIFF\x40\0\0\0WEBPVP8 \x20\0\0\0\0\0\0\x9d\x01\x2a"
		"\x40\x01\xf0\x00\0\0";
	/* lossless VP8L: 14 bits of width - 1 then of height - 1: 100 x 50 */
	static const char vp8l[] = "RIFF\x40\0\0\0WEBPVP8L\x20\0\0\0\x2f\x63\x40\x0c\0";
	/* extended VP8X: 24-bit canvas width - 1, height - 1: 4000 x 3000 */
	static const char vp8x[] = "RIFF\x40\0\0\0WEBPVP8X\x0a\0\0\0\x10\0\0\0"
		"\x9f\x0f\0\xb7\x0b\0";
	static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\n"
		"2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>\n"
		"3 0 obj << /Type /Page >>\n4 0 obj <</Type/Page/Parent 2 0 R>>\n"
		"5 0 obj << /Type\n/Page >>\n6 0 obj << /Type /PageLabel >>\n%%EOF\n";
	struct prov_part p;

	size_is(png, sizeof png - 1, 1000, 800, "PNG size from IHDR");
	size_is(png, 20, 0, 0, "PNG cut inside IHDR: size unknown");
	size_is(gif, sizeof gif - 1, 640, 480, "GIF size from the screen descriptor");
	size_is(jpeg, sizeof jpeg - 1, 300, 200, "JPEG size from SOF2, past APP0 and DHT");
	size_is(jpeg_nosof, sizeof jpeg_nosof - 1, 0, 0, "JPEG: no frame header before the scan");
	size_is(jpeg, sizeof jpeg - 4, 0, 0, "JPEG cut inside its frame header");
	size_is(vp8, sizeof vp8 - 1, 320, 240, "WebP VP8 size");
	size_is(vp8l, sizeof vp8l - 1, 100, 50, "WebP VP8L size");
	size_is(vp8x, sizeof vp8x - 1, 4000, 3000, "WebP VP8X canvas size");
	p = read_part(pdf, sizeof pdf - 1, "PDF");
	is_int(p.kind, PROV_PART_PDF, "a PDF part");
	is_int(p.pages, 3, "PDF: three /Type /Page objects (not /Pages, not /PageLabel)");

	/* OpenAI's documented examples (images-vision, Calculating costs) */
	is_int(tokens(1024, 1024, PROV_OPENAI), 765, "OpenAI 1024 x 1024: 765");
	is_int(tokens(2048, 4096, PROV_OPENAI), 1105, "OpenAI 2048 x 4096: 1105");
	is_int(tokens(1, 1, PROV_OPENAI), 255, "OpenAI 1 x 1: one tile, 255");
	is_int(tokens(0, 0, PROV_OPENAI), 1445, "OpenAI, size unknown: the most, 1445");
	is_int(tokens(1024, 1024, PROV_ECHO), 765, "echo is estimated as OpenAI");
	/* Anthropic: w * h / 750, at most 1568 a side and 1.15 MP */
	is_int(tokens(1000, 1000, PROV_ANTHROPIC), 1334, "Anthropic 1000 x 1000: 1334");
	is_int(tokens(200, 200, PROV_ANTHROPIC), 54, "Anthropic 200 x 200: 54");
	is_int(tokens(4000, 3000, PROV_ANTHROPIC), 1534, "Anthropic 4000 x 3000: scaled to 1.15 MP, 1534");
	is_int(tokens(3000, 100, PROV_ANTHROPIC), 111, "Anthropic 3000 x 100: 1568 x 53, 111");
	is_int(tokens(0, 0, PROV_ANTHROPIC), 1600, "Anthropic, size unknown: 1600");
	/* Gemini: 258 up to 384 a side, else 258 a 768-pixel tile */
	is_int(tokens(384, 384, PROV_GEMINI), 258, "Gemini 384 x 384: 258");
	is_int(tokens(1000, 500, PROV_GEMINI), 516, "Gemini 1000 x 500: two tiles, 516");
	is_int(tokens(0, 0, PROV_GEMINI), 1032, "Gemini, size unknown: four tiles");
	/* PDFs by their pages */
	p = (struct prov_part){ .kind = PROV_PART_PDF, .pages = 3, .size = 5000 };
	is_int(attach_tokens(&p, PROV_ANTHROPIC), 9000, "Anthropic PDF: 3,000 a page");
	is_int(attach_tokens(&p, PROV_OPENAI), 4500, "OpenAI PDF: 1,500 a page");
	is_int(attach_tokens(&p, PROV_GEMINI), 774, "Gemini PDF: 258 a page");
	p.pages = 0;
	p.size = 250000;
	is_int(attach_tokens(&p, PROV_GEMINI), 3 * 258, "PDF pages not counted: a page every 100 kB");
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
	estimates();
	return done_testing();
}
