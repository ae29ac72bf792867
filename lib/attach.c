/* attach.c: files sent with a message. See attach.h. */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "buf.h"
#include "msg.h"
#include "timeutil.h"

#define MB 1000000u

/* What each API takes, from its documentation (read 2026-12-06):
 * - OpenAI: "Up to 20MB per image ... Up to 50 MB image bytes per
 *   request" (platform.openai.com/docs/guides/images-vision, Image input
 *   requirements); PDFs "up to 100 pages and 32MB of total content in a
 *   single request" (platform.openai.com/docs/guides/pdf-files, File size
 *   limitations). The 50 MB are counted here on the base64 text, which
 *   is more careful than needed.
 * - Anthropic: 5 MB per image on the API, which the API counts on the
 *   base64 string: 3.75 MB of image (docs.claude.com/en/docs/vision,
 *   Basics and Limits and FAQ); "Maximum request size 32MB" for the whole
 *   request, PDFs included (platform.claude.com/docs/en/build-with-claude/
 *   pdf-support, Check PDF requirements).
 * - Gemini: inline data only "for smaller files (<20MB total request
 *   size)" (ai.google.dev/gemini-api/docs/image-understanding, Image
 *   input; the same for PDFs in docs/document-processing): 20 MB of
 *   base64, so 15 MB for any one file.
 * echo speaks OpenAI's wire format and takes OpenAI's limits. */
static const struct attach_limits limits[] = {
	[PROV_OPENAI] = { "OpenAI", 20 * MB, 32 * MB, 50 * MB },
	[PROV_ANTHROPIC] = { "Anthropic", 5 * MB / 4 * 3, 24 * MB, 32 * MB },
	[PROV_GEMINI] = { "Gemini", 15 * MB, 15 * MB, 20 * MB },
	[PROV_ECHO] = { "OpenAI", 20 * MB, 32 * MB, 50 * MB },
};
_Static_assert(50 * MB < ATTACH_READ_MAX, "every limit is below the most read");

const struct attach_limits *attach_limits_of(enum prov_api api)
{
	return (size_t)api < sizeof limits / sizeof limits[0] ? &limits[api] : &limits[PROV_OPENAI];
}

const char *attach_detect(const unsigned char *p, size_t n, enum prov_part_kind *kind)
{
	static const struct {
		size_t off, len;
		const char *magic, *mime;
		enum prov_part_kind kind;
	} sig[] = {
		{ 0, 8, "\x89PNG\r\n\x1a\n", "image/png", PROV_PART_IMAGE },
		{ 0, 3, "\xff\xd8\xff", "image/jpeg", PROV_PART_IMAGE },
		{ 0, 6, "GIF87a", "image/gif", PROV_PART_IMAGE },
		{ 0, 6, "GIF89a", "image/gif", PROV_PART_IMAGE },
		{ 8, 4, "WEBP", "image/webp", PROV_PART_IMAGE },	/* after "RIFF" + size */
		{ 0, 5, "%PDF-", "application/pdf", PROV_PART_PDF },
	};

	for (size_t i = 0; i < sizeof sig / sizeof sig[0]; i++) {
		if (n < sig[i].off + sig[i].len || memcmp(p + sig[i].off, sig[i].magic, sig[i].len))
			continue;
		if (sig[i].off == 8 && memcmp(p, "RIFF", 4))
			continue;
		*kind = sig[i].kind;
		return sig[i].mime;
	}
	return NULL;
}

static void file_release(struct attach_file *f)
{
	free(f->name);
	free(f->data);
	free(f->base64);
}

void attach_set_release(struct attach_set *s)
{
	for (size_t i = 0; i < s->nfiles; i++)
		file_release(&s->files[i]);
	free(s->files);
	free(s->parts);
	free(s->prompt);
	memset(s, 0, sizeof *s);
}

/* A file's hash and base64 from its data */
static void file_encode(struct attach_file *f)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	size_t n = sodium_base64_ENCODED_LEN(f->size, sodium_base64_VARIANT_ORIGINAL);

	crypto_hash_sha256(h, f->data, f->size);
	sodium_bin2hex(f->hash, sizeof f->hash, h, sizeof h);
	f->base64 = xmalloc(n);
	sodium_bin2base64(f->base64, n, f->data, f->size, sodium_base64_VARIANT_ORIGINAL);
}

/* ---- token estimates ---- */

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned le16(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }
static unsigned long be32(const unsigned char *p) { return (unsigned long)be16(p) << 16 | be16(p + 2); }
static unsigned long le32(const unsigned char *p) { return le16(p) | (unsigned long)le16(p + 2) << 16; }

/* A JPEG's size from its first frame header (SOF0..SOF15 but DHT C4, JPG
 * C8 and DAC CC), walking the marker segments; 0 when none is whole. */
static void jpeg_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
	size_t i = 2;

	while (i + 4 <= n) {
		unsigned m = p[i + 1];
		if (p[i] != 0xff || m == 0xff) {	/* fill bytes */
			i++;
			continue;
		}
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd8)) {	/* no length */
			i += 2;
			continue;
		}
		if (m == 0xda || m == 0xd9)	/* image data: no frame header before it */
			return;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			if (i + 9 <= n) {
				*h = be16(p + i + 5);
				*w = be16(p + i + 7);
			}
			return;
		}
		i += 2 + be16(p + i + 2);
	}
}

/* An image's pixel size from its header, for the types attach_detect
 * knows; 0 x 0 when the header is cut short. */
static void image_size(const char *mime, const unsigned char *p, size_t n, unsigned *w,
		       unsigned *h)
{
	*w = *h = 0;
	if (!strcmp(mime, "image/png") && n >= 24 && !memcmp(p + 12, "IHDR", 4)) {
		unsigned long x = be32(p + 16), y = be32(p + 20);
		if (x <= 0xffff && y <= 0xffff)
			*w = (unsigned)x, *h = (unsigned)y;
	} else if (!strcmp(mime, "image/gif") && n >= 10) {
		*w = le16(p + 6);
		*h = le16(p + 8);
	} else if (!strcmp(mime, "image/jpeg")) {
		jpeg_size(p, n, w, h);
	} else if (!strcmp(mime, "image/webp") && n >= 25) {
		if (n < 30 && memcmp(p + 12, "VP8L", 4)) {
			/* VP8's and VP8X's sizes end at byte 30 */
		} else if (!memcmp(p + 12, "VP8 ", 4) && !memcmp(p + 23, "\x9d\x01\x2a", 3)) {
			*w = le16(p + 26) & 0x3fff;
			*h = le16(p + 28) & 0x3fff;
		} else if (!memcmp(p + 12, "VP8L", 4) && p[20] == 0x2f) {
			unsigned long b = le32(p + 21);
			*w = (unsigned)(b & 0x3fff) + 1;
			*h = (unsigned)(b >> 14 & 0x3fff) + 1;
		} else if (!memcmp(p + 12, "VP8X", 4)) {
			*w = (unsigned)(le16(p + 24) | (unsigned)p[26] << 16) + 1;
			*h = (unsigned)(le16(p + 27) | (unsigned)p[29] << 16) + 1;
		}
	}
	if (!*w || !*h)
		*w = *h = 0;
}

/* A PDF's pages: its page objects, "/Type /Page" not followed by 's' (the
 * page tree's "/Pages"). A PDF that keeps its objects in compressed
 * object streams shows none: 0. */
static unsigned pdf_pages(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *q = p;
	unsigned pages = 0;

	while ((q = memmem(q, (size_t)(end - q), "/Type", 5))) {
		q += 5;
		while (q < end && strchr(" \t\r\n\f", *q) && *q)
			q++;
		if (end - q >= 5 && !memcmp(q, "/Page", 5) &&
		    (end - q == 5 || !((q[5] >= 'A' && q[5] <= 'Z') || (q[5] >= 'a' && q[5] <= 'z'))))
			pages++;
	}
	return pages;
}

/* Scale w x h down so that side s is at most to, rounding up as the
 * providers do. */
static void fit(unsigned long *w, unsigned long *h, unsigned long s, unsigned long to)
{
	if (s > to) {
		*w = (*w * to + s - 1) / s;
		*h = (*h * to + s - 1) / s;
	}
}

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define TILES(w, h, side) (((w) + (side) - 1) / (side) * (((h) + (side) - 1) / (side)))

/* The rules, from each API's documentation (read 2026-12-07):
 * - OpenAI, "detail" left to auto (high): the image is scaled to fit in
 *   2048 x 2048, then its short side to 768; 85 tokens and 170 for each
 *   512-pixel tile (platform.openai.com/docs/guides/images-vision,
 *   Calculating costs); at most 85 + 170 * 8 = 1445 (2048 x 768). A PDF
 *   sends "both the extracted text and an image of each page"
 *   (docs/guides/pdf-files): an image of a page (~765) and its text,
 *   counted as 1,500 a page.
 * - Anthropic: tokens = width * height / 750, after scaling to at most
 *   1568 pixels a side and 1.15 megapixels, so at most ~1,600
 *   (docs.claude.com/en/docs/build-with-claude/vision, Evaluate image
 *   size); a PDF page "1,500-3,000 tokens" of text plus its image
 *   (build-with-claude/pdf-support, Estimate your costs): the top, 3,000.
 * - Gemini: 258 tokens for an image of at most 384 pixels a side, else
 *   258 for each 768 x 768 tile; a document page 258
 *   (ai.google.dev/gemini-api/docs/tokens, Multimodal tokens). An image
 *   of unknown size is counted as four tiles.
 * A PDF whose pages show no page objects counts a page every 100 kB.
 * echo speaks OpenAI's format and is estimated as OpenAI. */
long attach_tokens(const struct prov_part *p, enum prov_api api)
{
	unsigned long w = p->width, h = p->height;

	if (p->kind == PROV_PART_PDF) {
		long pages = p->pages ? p->pages : (long)(p->size / 100000) + 1;
		return pages * (api == PROV_ANTHROPIC ? 3000 : api == PROV_GEMINI ? 258 : 1500);
	}
	switch (api) {
	case PROV_ANTHROPIC:
		if (!w)
			return 1600;
		fit(&w, &h, MAX(w, h), 1568);
		return (long)((MIN(w * h, 1150000) + 749) / 750);
	case PROV_GEMINI:
		if (!w)
			return 4 * 258;
		return w <= 384 && h <= 384 ? 258 : 258 * (long)TILES(w, h, 768);
	default:
		if (!w)
			return 85 + 170 * 8;
		fit(&w, &h, MAX(w, h), 2048);
		fit(&w, &h, MIN(w, h), 768);
		return 85 + 170 * (long)TILES(w, h, 512);
	}
}

/* Rebuild the parts from the files (after the files changed). */
static void make_parts(struct attach_set *s)
{
	free(s->parts);
	s->parts = xcalloc(s->nfiles + 1, sizeof *s->parts);
	for (size_t i = 0; i < s->nfiles; i++) {
		struct attach_file *f = &s->files[i];
		struct prov_part *p = &s->parts[i];
		*p = (struct prov_part){ f->kind, f->mime_type, f->name, f->size, f->base64 };
		if (f->kind == PROV_PART_PDF)
			p->pages = pdf_pages(f->data, f->size);
		else
			image_size(f->mime_type, f->data, f->size, &p->width, &p->height);
	}
}

static struct attach_file *new_file(struct attach_set *s)
{
	struct attach_file *f;
	s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof *s->files);
	f = &s->files[s->nfiles++];
	memset(f, 0, sizeof *f);
	return f;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b && b[1] ? b + 1 : path;
}

/* The whole file, at most ATTACH_READ_MAX bytes: 0 and *over set when it
 * is longer (then only its start is read), or T3_EUSAGE after a message. */
static int read_file(const char *path, struct strbuf *sb, int *over)
{
	struct stat st;
	char buf[65536];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	*over = 0;
	if (fd < 0)
		return t3_error(T3_EUSAGE, "cannot read attachment '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return t3_error(T3_EUSAGE, "attachment '%s' is a directory", path);
	}
	while ((got = read(fd, buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR)) {
		if (got < 0)
			continue;
		if (sb->len + (size_t)got > ATTACH_READ_MAX) {
			*over = 1;
			break;
		}
		sb_add(sb, buf, (size_t)got);
	}
	e = errno;
	close(fd);
	if (got < 0)
		return t3_error(T3_EUSAGE, "cannot read attachment '%s': %s", path, strerror(e));
	if (!sb->len && !*over)
		return t3_error(T3_EUSAGE, "attachment '%s' is empty", path);
	return 0;
}

/* text: valid UTF-8 without a NUL byte (jansson's check) */
static int is_text(const char *p, size_t n)
{
	json_t *s;

	if (memchr(p, '\0', n))
		return 0;
	s = json_stringn(p, n);
	json_decref(s);
	return s != NULL;
}

/* Quote a text file into the prompt: a blank line, "NAME:", and each of
 * its lines after "> ". */
static void quote_text(struct strbuf *out, const char *name, const char *p, size_t n)
{
	sb_addf(out, "\n\n%s:\n", name);
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) + 1 : n;
		sb_adds(out, "> ");
		sb_add(out, p, k);
		p += k;
		n -= k;
	}
	if (out->buf[out->len - 1] != '\n')
		sb_addc(out, '\n');
	/* no trailing newline, as a prompt read from stdin has none */
	out->buf[--out->len] = '\0';
}

int attach_read_files(struct attach_set *s, const char *const *paths, size_t n,
		      const char *prompt)
{
	struct strbuf text = STRBUF_INIT, data = STRBUF_INIT;
	int r = 0, over, texts = 0;

	sb_adds(&text, prompt);
	for (size_t i = 0; i < n && !r; i++) {
		enum prov_part_kind kind;
		const char *mime;

		sb_reset(&data);
		if ((r = read_file(paths[i], &data, &over)))
			break;
		mime = attach_detect((unsigned char *)data.buf, data.len, &kind);
		if (over && !mime) {
			r = t3_error(T3_EUSAGE, "attachment '%s' is larger than %u MiB", paths[i],
				     ATTACH_READ_MAX >> 20);
		} else if (mime) {
			struct attach_file *f = new_file(s);
			f->mime_type = mime;
			f->kind = kind;
			f->name = xstrdup(base_name(paths[i]));
			/* over the most read, so over every limit: attach_check_new
			 * refuses it by its size alone */
			f->size = over ? (size_t)ATTACH_READ_MAX + 1 : data.len;
			f->data = (unsigned char *)sb_detach(&data, NULL);
			if (!over)
				file_encode(f);
			else
				f->base64 = xstrdup("");
			s->nnew++;
		} else if (is_text(data.buf, data.len)) {
			quote_text(&text, base_name(paths[i]), data.buf, data.len);
			texts++;
		} else {
			r = t3_error(T3_EUSAGE, "attachment '%s' is of an unknown type (t3-chat takes "
				     "PNG, JPEG, WebP and GIF images, PDFs and UTF-8 text)", paths[i]);
		}
	}
	sb_release(&data);
	if (!r && texts)
		s->prompt = sb_detach(&text, NULL);
	sb_release(&text);
	make_parts(s);
	return r;
}

static int load_row(void *ctx, sqlite3_stmt *st)
{
	struct attach_set *s = ctx;
	struct attach_file *f = new_file(s);
	const void *blob = sqlite3_column_blob(st, 4);
	size_t n = (size_t)sqlite3_column_bytes(st, 4);

	snprintf(f->message_id, sizeof f->message_id, "%s", db_col_text(st, 0));
	f->name = xstrdup(db_col_text(st, 1));
	f->mime_type = attach_detect(blob, n, &f->kind);
	if (!f->mime_type) {	/* the CHECK and the import keep it from happening */
		f->mime_type = "application/octet-stream";
		f->kind = PROV_PART_IMAGE;
	}
	f->size = n;
	f->data = xmalloc(n ? n : 1);
	memcpy(f->data, blob, n);
	file_encode(f);
	return 0;
}

int attach_load_chat(struct attach_set *s, struct db *ddb, const char *chat_id)
{
	sqlite3_stmt *st;
	int r;

	if (db_prepare(ddb, &st, "SELECT l.message_id, l.name, l.position, a.mime_type, a.data "
		       "FROM chat_messages m JOIN chat_message_attachments l ON l.message_id = "
		       "m.message_id JOIN chat_attachments a ON a.hash = l.hash WHERE m.chat_id = ?1 "
		       "ORDER BY l.message_id, l.position"))
		return T3_EDATA;
	db_bind_text(st, 1, chat_id);
	r = db_each_row(ddb, st, load_row, s, "read attachments");
	make_parts(s);
	return r;
}

void attach_parts_of(const struct attach_set *s, const char *message_id,
		     const struct prov_part **parts, size_t *n)
{
	size_t i = 0, k;

	while (i < s->nfiles && strcmp(s->files[i].message_id, message_id))
		i++;
	for (k = i; k < s->nfiles && !strcmp(s->files[k].message_id, message_id); k++)
		;
	*parts = k > i ? &s->parts[i] : NULL;
	*n = k - i;
}

/* A model of the catalog that takes what m does not: of m's provider if
 * one does, else of its API, the cheapest. NULL if none (or an error). */
static char *suggest(struct db *ddb, const struct model *m, int images, int pdfs)
{
	sqlite3_stmt *st;
	char *name = NULL;

	if (db_prepare(ddb, &st, "SELECT model_name FROM model_capabilities WHERE is_active = 1 "
		       "AND (deprecation_date IS NULL OR deprecation_date > date('now')) "
		       "AND supports_images >= ?1 AND supports_pdfs >= ?2 "
		       "ORDER BY provider_name = ?3 DESC, api = ?4 DESC, usd_per_1k_tokens, "
		       "model_name LIMIT 1"))
		return NULL;
	sqlite3_bind_int(st, 1, images);
	sqlite3_bind_int(st, 2, pdfs);
	db_bind_text(st, 3, m->provider_name);
	db_bind_text(st, 4, m->api);
	if (sqlite3_step(st) == SQLITE_ROW)
		name = xstrdup(db_col_text(st, 0));
	sqlite3_finalize(st);
	return name;
}

static int refuse_kind(struct db *ddb, const struct model *m, const struct prov_part *p)
{
	int pdf = p->kind == PROV_PART_PDF;
	char *other = suggest(ddb, m, !pdf, pdf);
	int r;

	if (other)
		r = t3_error(T3_EPOLICY, "model '%s' does not take %s ('%s'): use one that does, "
			     "such as '%s'", m->model_name, pdf ? "PDFs" : "images", p->name, other);
	else
		r = t3_error(T3_EPOLICY, "model '%s' does not take %s ('%s'), nor does any model "
			     "of the catalog", m->model_name, pdf ? "PDFs" : "images", p->name);
	free(other);
	return r;
}

int attach_check(struct db *ddb, enum prov_api api, const struct model *m,
		 const struct prov_msg *msgs, size_t nmsgs)
{
	const struct attach_limits *lim = attach_limits_of(api);
	size_t total = 0;

	for (size_t i = 0; i < nmsgs; i++)
		for (size_t k = 0; k < msgs[i].nparts; k++) {
			const struct prov_part *p = &msgs[i].parts[k];
			int pdf = p->kind == PROV_PART_PDF;
			size_t max = pdf ? lim->pdf_max : lim->image_max;
			if (!(pdf ? m->supports_pdfs : m->supports_images))
				return refuse_kind(ddb, m, p);
			if (p->size > max)
				return t3_error(T3_EPOLICY, "attachment '%s' is %s%zu bytes, more than "
						"%s takes for %s (%zu bytes)", p->name,
						p->size > ATTACH_READ_MAX ? "over " : "",
						p->size > ATTACH_READ_MAX ? (size_t)ATTACH_READ_MAX :
						p->size, lim->who, pdf ? "a PDF" : "an image", max);
			total += sodium_base64_ENCODED_LEN(p->size, sodium_base64_VARIANT_ORIGINAL) - 1;
		}
	if (total > lim->request_max)
		return t3_error(T3_EPOLICY, "the attachments of this request come to %zu bytes "
				"base64-encoded (with those of the chat's earlier messages), more "
				"than %s takes in one request (%zu bytes)", total, lim->who,
				lim->request_max);
	return 0;
}

int attach_check_new(struct db *ddb, enum prov_api api, const struct model *m,
		     const struct attach_set *s)
{
	struct prov_msg msg = { "user", "", s->parts, s->nnew };
	return s->nnew ? attach_check(ddb, api, m, &msg, 1) : 0;
}

/* Store one file's bytes (if new) and its link. */
static int store_one(struct db *ddb, const struct attach_file *f, const char *message_id,
		     long position)
{
	sqlite3_stmt *st;
	int r;

	if (db_prepare(ddb, &st, "INSERT INTO chat_attachments (hash, mime_type, size, data, "
		       "created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (hash) DO NOTHING"))
		return T3_EDATA;
	db_bind_text(st, 1, f->hash);
	db_bind_text(st, 2, f->mime_type);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)f->size);
	sqlite3_bind_blob64(st, 4, f->data, f->size, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, time_now_ms());
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	if (r)
		return r;
	if (db_prepare(ddb, &st, "INSERT INTO chat_message_attachments (message_id, position, "
		       "hash, name) VALUES (?1, ?2, ?3, ?4)"))
		return T3_EDATA;
	db_bind_text(st, 1, message_id);
	sqlite3_bind_int64(st, 2, position);
	db_bind_text(st, 3, f->hash);
	db_bind_text(st, 4, f->name);
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	return r;
}

int attach_store(struct db *ddb, const struct attach_set *s, const char *message_id)
{
	int r = 0;
	for (size_t i = 0; i < s->nnew && !r; i++)
		r = store_one(ddb, &s->files[i], message_id, (long)i);
	return r;
}

int attach_copy_links(struct db *ddb, const char *from, const char *to)
{
	return db_exec_text(ddb, "INSERT INTO chat_message_attachments (message_id, position, "
			    "hash, name) SELECT ?2, position, hash, name FROM "
			    "chat_message_attachments WHERE message_id = ?1", from, to);
}

/* ---- export and import ---- */

static void base64_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *p = sqlite3_value_blob(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]);
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *out;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	out = xmalloc(len);
	sodium_bin2base64(out, len, p ? p : (const unsigned char *)"", n,
			  sodium_base64_VARIANT_ORIGINAL);
	sqlite3_result_text(ctx, out, (int)(len - 1), free);
}

void attach_sql_functions(struct db *ddb)
{
	sqlite3_create_function(ddb->h, "t3_base64", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC |
				SQLITE_INNOCUOUS, NULL, base64_fn, NULL, NULL);
}

/* one element of an imported "attachments" array */
static int import_one(struct db *ddb, json_t *a, const char *message_id, long position,
		      const char *where)
{
	const char *name = json_string_value(json_object_get(a, "name"));
	const char *hash = json_string_value(json_object_get(a, "sha256"));
	const char *mime = json_string_value(json_object_get(a, "mime_type"));
	json_t *data = json_object_get(a, "data"), *size = json_object_get(a, "size");
	struct attach_file f = { 0 };
	size_t max, n;
	int r;

	if (!json_is_object(a))
		return t3_error(T3_EUSAGE, "%s: not an object", where);
	if (!json_is_string(data) || !json_is_integer(size) || json_integer_value(size) <= 0 ||
	    !hash || !mime)
		return t3_error(T3_EUSAGE, "%s: needs name, mime_type, size, sha256 and data", where);
	max = json_string_length(data) / 4 * 3 + 3;
	f.data = xmalloc(max);
	if (sodium_base642bin(f.data, max, json_string_value(data), json_string_length(data),
			      NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) || !n) {
		free(f.data);
		return t3_error(T3_EUSAGE, "%s.data: not base64", where);
	}
	f.size = n;
	f.mime_type = attach_detect(f.data, n, &f.kind);
	f.name = xstrdup(name ? name : "");
	file_encode(&f);
	if (!f.mime_type || strcmp(f.mime_type, mime))
		r = t3_error(T3_EUSAGE, "%s.mime_type: '%s' is not what the data holds", where, mime);
	else if ((size_t)json_integer_value(size) != n)
		r = t3_error(T3_EUSAGE, "%s.size: %lld, but the data holds %zu bytes", where,
			     (long long)json_integer_value(size), n);
	else if (strcmp(f.hash, hash))
		r = t3_error(T3_EUSAGE, "%s.sha256: not the hash of the data", where);
	else
		r = store_one(ddb, &f, message_id, position);
	file_release(&f);
	return r;
}

int attach_from_json(struct db *ddb, json_t *list, const char *message_id, const char *where)
{
	char at[96];
	size_t i;
	json_t *a;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return t3_error(T3_EUSAGE, "%s.attachments: not an array", where);
	json_array_foreach(list, i, a) {
		snprintf(at, sizeof at, "%s.attachments[%zu]", where, i);
		if ((r = import_one(ddb, a, message_id, (long)i, at)))
			return r;
	}
	return 0;
}
