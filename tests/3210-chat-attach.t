#!/bin/sh
# t3-chat -a FILE: images and PDFs typed by their content and sent in
# each provider's format (the request bodies at the mock), text files
# quoted into the prompt, echo naming what it was given, refusals before
# anything is sent or stored, storage once by SHA-256, a continued chat
# resending its files, export and import carrying them, and no blob left
# behind once no message links to it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
F=$FIXTURES
W=$TMP/files
mkdir "$W"

# ---- small files whose first bytes say what they are ----
# a 1x1 PNG (signature, IHDR, IDAT, IEND)
printf '\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\010\006\0\0\0\037\025\304\211\0\0\0\rIDATx\234c\370\017\0\0\001\001\0\005\030\330N\0\0\0\0IEND\256B`\202' >"$W/dot.png"
printf '\377\330\377\340\0\020JFIF\0\001\001\0\0\001\0\001\0\0\377\331' >"$W/photo.jpg"
printf 'RIFF\032\0\0\0WEBPVP8L\015\0\0\0/\0\0\0\020\007\020\021\021\210\210\376\007\0' >"$W/pic.webp"
printf 'GIF89a\001\0\001\0\0\0\0;' >"$W/anim.gif"
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$W/doc.pdf"
# named as what they are not: the content decides
cp "$W/dot.png" "$W/looks-like.pdf"
printf 'first line\nsecond line\n' >"$W/notes.txt"
printf '\000\001\002\003binary' >"$W/blob.bin"
printf 'caf\351\n' >"$W/latin1.txt"
: >"$W/empty.png"
mkdir "$W/adir"

b64() { base64 -w0 "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# decode what the mock received at PATH of request N (after an optional
# data: URL prefix) and compare it with FILE
decodes_to() { # N PATH FILE DESCRIPTION
	mock_req "$1" "$2" | sed 's/^data:[a-z/]*;base64,//' | base64 -d >"$TMP/decoded" 2>/dev/null
	cmp -s "$TMP/decoded" "$3"
	ok $? "$4"
}
links() { sql "$DDB" "SELECT count(*) FROM chat_message_attachments"; }
blobs() { sql "$DDB" "SELECT count(*) FROM chat_attachments"; }

# ================= OpenAI: image_url and file parts =================
mock_script "{\"file\":\"$F/openai/chat-stream-gpt4omini-include-usage.sse\"}"
run with_openai t3-chat -m gpt-4o-mini -a "$W/dot.png" --attach "$W/doc.pdf" "What is this?"
is_rc 0 "openai: -a and --attach: exit 0"
is "$(mock_req 1 '$.body.messages[0].role' '$.body.messages[0].content[0].type' '$.body.messages[0].content[1].type' '$.body.messages[0].content[2].type' '$.body.messages[0].content[2].text')" \
	'["user","image_url","file","text","What is this?"]' "openai: content parts: the image, the PDF, then the text"
is "$(mock_req 1 '$.body.messages[0].content[0].image_url.url')" "data:image/png;base64,$(b64 "$W/dot.png")" \
	"openai: the image as a data: URL of its type"
decodes_to 1 '$.body.messages[0].content[0].image_url.url' "$W/dot.png" "openai: the image's base64 decodes to the file"
is "$(mock_req 1 '$.body.messages[0].content[1].file.filename')" "doc.pdf" "openai: the PDF's file name"
is "$(mock_req 1 '$.body.messages[0].content[1].file.file_data' | cut -c1-28)" "data:application/pdf;base64," \
	"openai: file_data is a data: URL of application/pdf"
decodes_to 1 '$.body.messages[0].content[1].file.file_data' "$W/doc.pdf" "openai: the PDF's base64 decodes to the file"
is "$(sql "$DDB" "SELECT l.position, l.name, a.mime_type, a.size, a.hash, length(a.data) FROM chat_message_attachments l JOIN chat_attachments a USING (hash) JOIN chat_messages m USING (message_id) WHERE m.sender_type = 'user' ORDER BY l.position")" \
"0|dot.png|image/png|$(wc -c <"$W/dot.png" | tr -d ' ')|$(sha "$W/dot.png")|$(wc -c <"$W/dot.png" | tr -d ' ')
1|doc.pdf|application/pdf|$(wc -c <"$W/doc.pdf" | tr -d ' ')|$(sha "$W/doc.pdf")|$(wc -c <"$W/doc.pdf" | tr -d ' ')" \
	"openai: both stored by SHA-256, linked to the question in order"
is "$(sql "$DDB" "SELECT count(*) FROM chat_attachments WHERE data = readfile('$W/dot.png')")" 1 "the stored bytes are the file's"
chat1=$(last_ai chat_id)

# continuing the chat resends the files with their message
run with_openai t3-chat -c "And the second page?"
is_rc 0 "openai -c: exit 0"
is "$(mock_len 2 '$.body.messages')" 3 "openai -c: the question, its answer, the new one"
is "$(mock_req 2 '$.body.messages[0].content[0].type' '$.body.messages[0].content[1].type' '$.body.messages[0].content[2].text' '$.body.messages[1].role' '$.body.messages[2].content')" \
	'["image_url","file","What is this?","assistant","And the second page?"]' \
	"openai -c: the earlier question comes again with its files; the new one is plain text"
decodes_to 2 '$.body.messages[0].content[0].image_url.url' "$W/dot.png" "openai -c: the image resent, the same bytes"
decodes_to 2 '$.body.messages[0].content[1].file.file_data' "$W/doc.pdf" "openai -c: the PDF resent, the same bytes"

# the same file again: stored once, linked twice
run with_openai t3-chat -c -a "$W/dot.png" "Once more"
is_rc 0 "the same image again: exit 0"
is "$(blobs) $(links)" "2 3" "the same file twice: one blob, two links"
is "$(mock_req 3 '$.body.messages[4].content[0].type' '$.body.messages[4].content[1].text')" '["image_url","Once more"]' \
	"the new question carries it too"

# -n: sent, not stored
n=$(links)
run with_openai t3-chat -n -m gpt-4o-mini -a "$W/photo.jpg" "unlogged"
is "$rc $(mock_req 4 '$.body.messages[0].content[0].image_url.url')" "0 data:image/jpeg;base64,$(b64 "$W/photo.jpg")" "-n: the JPEG is sent"
is "$(links) $(blobs)" "$n 2" "-n: nothing stored"

# a branch copies the question with its files: sent again from the copy
q1=$(sql "$DDB" "SELECT message_id FROM chat_messages WHERE chat_id = '$chat1' AND message_text = 'What is this?'")
n=$(links)
run with_openai t3-chat --branch "$q1" "Branched"
is_rc 0 "--branch from a question with files: exit 0"
is "$(mock_req "$(mock_count)" '$.body.messages[0].content[0].type' '$.body.messages[0].content[1].type' '$.body.messages[0].content[2].text' '$.body.messages[1].content')" \
	'["image_url","file","What is this?","Branched"]' "--branch: the copied question comes with its files"
decodes_to "$(mock_count)" '$.body.messages[0].content[0].image_url.url' "$W/dot.png" "--branch: the image, the same bytes"
is "$(blobs) $(links)" "2 $((n + 2))" "--branch: the copy linked to the two files, stored once still"
run with_openai t3-chat -c "And in the branch?"
is "$rc $(mock_req "$(mock_count)" '$.body.messages[0].content[0].type' '$.body.messages[0].content[1].type')" \
	'0 ["image_url","file"]' "the branch continued: its copy of the question resends the files"

# ================= Anthropic: image and document blocks =================
mock_script "{\"file\":\"$F/anthropic/messages-stream-text.sse\"}"
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 -a "$W/photo.jpg" -a "$W/doc.pdf" "Compare"
is_rc 0 "anthropic: exit 0"
is "$(mock_req 1 '$.body.messages[0].content[0].type' '$.body.messages[0].content[0].source.type' '$.body.messages[0].content[0].source.media_type' '$.body.messages[0].content[1].type' '$.body.messages[0].content[1].source.type' '$.body.messages[0].content[1].source.media_type' '$.body.messages[0].content[2].type' '$.body.messages[0].content[2].text')" \
	'["image","base64","image/jpeg","document","base64","application/pdf","text","Compare"]' \
	"anthropic: an image block, a document block (base64 sources), then the text"
is "$(mock_req 1 '$.body.messages[0].content[0].source.data')" "$(b64 "$W/photo.jpg")" "anthropic: the image's data is its base64"
decodes_to 1 '$.body.messages[0].content[0].source.data' "$W/photo.jpg" "anthropic: which decodes to the JPEG"
decodes_to 1 '$.body.messages[0].content[1].source.data' "$W/doc.pdf" "anthropic: the document's to the PDF"

# ================= Gemini: inline_data parts =================
mock_script "{\"file\":\"$F/gemini/streamGenerateContent-sse-basic.sse\"}"
run with_gemini t3-chat -m gemini-2.5-flash -a "$W/pic.webp" -a "$W/anim.gif" -a "$W/looks-like.pdf" "Three pictures"
is_rc 0 "gemini: exit 0"
is "$(mock_req 1 '$.body.contents[0].parts[0].inline_data.mime_type' '$.body.contents[0].parts[1].inline_data.mime_type' '$.body.contents[0].parts[2].inline_data.mime_type' '$.body.contents[0].parts[3].text')" \
	'["image/webp","image/gif","image/png","Three pictures"]' \
	"gemini: inline_data parts with their types (a PNG named .pdf is a PNG), then the text"
decodes_to 1 '$.body.contents[0].parts[0].inline_data.data' "$W/pic.webp" "gemini: the WebP's data decodes to the file"
decodes_to 1 '$.body.contents[0].parts[1].inline_data.data' "$W/anim.gif" "gemini: the GIF's too"
is "$(sql "$DDB" "SELECT mime_type FROM chat_attachments WHERE hash = '$(sha "$W/looks-like.pdf")'")" "image/png" \
	"the type stored is the content's, not the name's"

# ================= text files and echo =================
run t3-chat -m echo -a "$W/notes.txt" "Summarise"
is_rc 0 "a text file: exit 0"
is_out "Summarise

notes.txt:
> first line
> second line" "a text file is quoted into the prompt under its name (echo answers with it)"
is "$(sql "$DDB" "SELECT message_text FROM chat_messages WHERE sender_type = 'user' ORDER BY timestamp DESC, message_id DESC LIMIT 1")" \
	"$(cat "$OUT")" "and stored as the question's text"
is "$(sql "$DDB" "SELECT count(*) FROM chat_message_attachments l JOIN chat_messages m USING (message_id) WHERE m.chat_id = '$(last_ai chat_id)'")" 0 \
	"a text file is no attachment row"
mock_script "{\"file\":\"$F/openai/chat-stream-gpt4omini-include-usage.sse\"}"
run with_openai t3-chat -m gpt-4o-mini -a "$W/notes.txt" "Summarise"
is "$rc $(mock_req 1 '$.body.messages[0].content')" "0 Summarise

notes.txt:
> first line
> second line" "a text file alone: the content stays one string"

run t3-chat -m echo -a "$W/dot.png" -a "$W/notes.txt" -a "$W/doc.pdf" "Look"
is_rc 0 "echo with files: exit 0"
is_out "[attached dot.png: image/png, $(wc -c <"$W/dot.png" | tr -d ' ') bytes]
[attached doc.pdf: application/pdf, $(wc -c <"$W/doc.pdf" | tr -d ' ') bytes]
Look

notes.txt:
> first line
> second line" "echo names each file it was given, then answers with the prompt"

# ---- attachments in the token estimates: the quota's hold, the context,
# an estimated usage row (the rules per API are unit-tested in test-attach)
# a 1024 x 1024 PNG, by its IHDR (the estimate reads no further)
printf '\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\004\0\0\0\004\0\010\006\0\0\0' >"$W/square.png"
printf '%%PDF-1.4\n1 0 obj << /Type /Pages /Count 3 >>\n2 0 obj << /Type /Page >>\n3 0 obj << /Type /Page >>\n4 0 obj << /Type /Page >>\n%%%%EOF\n' >"$W/three.pdf"
last_usage() { sql "$DDB" "SELECT prompt_tokens || '|' || tokens_estimated FROM usage_metrics ORDER BY rowid DESC LIMIT 1"; }
run t3-chat -m echo -a "$W/square.png" -a "$W/three.pdf" "Look"
is "$rc $(last_usage)" "0 5266|1" \
	"echo (no counts): the estimate is 1 token of text + 765 for the image + 1,500 a PDF page"
run t3-chat -m echo "Look"
is "$rc $(last_usage)" "0 1|1" "the same prompt without files: 1 token"

t3-models add acme tiny-eye --api echo --context 1000 --max-output 300 --images >/dev/null
run t3-chat -m tiny-eye "Look"
is_rc 0 "a 1,000-token context: the prompt alone fits"
snapshot
n=$(sql "$DDB" "SELECT count(*) FROM usage_metrics")
run t3-chat -m tiny-eye -a "$W/square.png" "Look"
is_rc 6 "with the image it does not fit: exit 6"
is_err "t3-chat: error: the prompt is about 770 tokens, more than fits in the context of 'tiny-eye' (1000 tokens)" \
	"the image's 765 tokens counted against the context (250 kept for the answer)"
unchanged "a prompt that does not fit: nothing stored"

# the hold, read while the call waits for its answer: the prompt (5), the
# image (765) and --max-tokens 10
t3-user add est@example.com --quota 100000 >/dev/null
mock_script "{\"file\":\"$F/openai/chat-stream-gpt4omini-include-usage.sse\",\"first_delay_ms\":1500}"
n=$(mock_count)
env T3_USER=est@example.com OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="$KEY" \
	t3-chat -n -m gpt-4o-mini --max-tokens 10 -a "$W/square.png" "Look" >/dev/null 2>&1 &
chat=$!
wait_for requested $((n + 1))
is "$(sql "$UDB" "SELECT group_concat(h.tokens) FROM quota_holds h JOIN user_accounts u USING (user_id) WHERE u.email = 'est@example.com'")" \
	780 "the quota's hold counts the image: 5 + 765 + 10 tokens"
wait $chat
is "$? $(sql "$UDB" "SELECT count(*) FROM quota_holds")" "0 0" "the call settles and its hold goes"

# ================= refusals: nothing sent, nothing stored =================
refused() { # CODE MESSAGE DESCRIPTION (after run): exit, message, no request, no change
	is "$rc" "$1" "$3: exit $1"
	is_err "$2" "$3: the message"
	is "$(mock_count)" "$n" "$3: no request sent"
	unchanged "$3: nothing stored"
}
mock_script "{\"file\":\"$F/openai/chat-stream-gpt4omini-include-usage.sse\"}"
n=$(mock_count)
snapshot

run with_provider OLLAMA /v1 t3-chat -m llama3.2 -a "$W/dot.png" "hi"
other=$(sed -n "s/.*such as '\(.*\)'$/\1/p" "$ERR")
refused 6 "t3-chat: error: model 'llama3.2' does not take images ('dot.png'): use one that does, such as '$other'" \
	"a model without images"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE model_name = '$other' AND supports_images = 1 AND is_active = 1")" 1 \
	"the model named takes images"

run with_openrouter t3-chat -m anthropic/claude-sonnet-4.5 -a "$W/doc.pdf" "hi"
other=$(sed -n "s/.*such as '\(.*\)'$/\1/p" "$ERR")
refused 6 "t3-chat: error: model 'anthropic/claude-sonnet-4.5' does not take PDFs ('doc.pdf'): use one that does, such as '$other'" \
	"a model with images but without PDFs"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE model_name = '$other' AND supports_pdfs = 1 AND is_active = 1")" 1 \
	"the model named takes PDFs"

run with_openai t3-chat -m gpt-4o-mini -a "$W/blob.bin" "hi"
refused 2 "t3-chat: error: attachment '$W/blob.bin' is of an unknown type (t3-chat takes PNG, JPEG, WebP and GIF images, PDFs and UTF-8 text)" \
	"an unknown binary type"
run with_openai t3-chat -m gpt-4o-mini -a "$W/latin1.txt" "hi"
refused 2 "t3-chat: error: attachment '$W/latin1.txt' is of an unknown type (t3-chat takes PNG, JPEG, WebP and GIF images, PDFs and UTF-8 text)" \
	"text that is not UTF-8"
run with_openai t3-chat -m gpt-4o-mini -a "$W/empty.png" "hi"
refused 2 "t3-chat: error: attachment '$W/empty.png' is empty" "an empty file"
run with_openai t3-chat -m gpt-4o-mini -a "$W/adir" "hi"
refused 2 "t3-chat: error: attachment '$W/adir' is a directory" "a directory"
run with_openai t3-chat -m gpt-4o-mini -a "$W/dot.png" -a "$W/missing.png" "hi"
refused 2 "t3-chat: error: cannot read attachment '$W/missing.png': No such file or directory" "a file that is not there"
if [ "$(id -u)" != 0 ]; then
	cp "$W/dot.png" "$W/secret.png"
	chmod 000 "$W/secret.png"
	run with_openai t3-chat -m gpt-4o-mini -a "$W/secret.png" "hi"
	refused 2 "t3-chat: error: cannot read attachment '$W/secret.png': Permission denied" "an unreadable file"
else
	skip 4 "root reads files whatever their mode"
fi

# too large: one image for Anthropic (5 MB of base64: 3750000 bytes),
# two for one Gemini request (20 MB of base64)
{ cat "$W/dot.png"; head -c 3750001 /dev/zero; } >"$W/big.png"
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 -a "$W/big.png" "hi"
refused 6 "t3-chat: error: attachment 'big.png' is $(wc -c <"$W/big.png" | tr -d ' ') bytes, more than Anthropic takes for an image (3750000 bytes)" \
	"an image too large for the provider"
{ cat "$W/dot.png"; head -c 7999933 /dev/zero; } >"$W/eight.png"
{ cat "$W/photo.jpg"; head -c 7999978 /dev/zero; } >"$W/eight.jpg"
run with_gemini t3-chat -m gemini-2.5-flash -a "$W/eight.png" -a "$W/eight.jpg" "hi"
refused 6 "t3-chat: error: the attachments of this request come to 21333336 bytes base64-encoded (with those of the chat's earlier messages), more than Gemini takes in one request (20000000 bytes)" \
	"files together too large for one request"

# a continued chat whose earlier question has a file: the new model must take it
run with_provider OLLAMA /v1 t3-chat --chat "$chat1" -m llama3.2 "go on"
other=$(sed -n "s/.*such as '\(.*\)'$/\1/p" "$ERR")
refused 6 "t3-chat: error: model 'llama3.2' does not take images ('dot.png'): use one that does, such as '$other'" \
	"an earlier message's image for a model without images"

# ================= export and import =================
run t3-chat --export "$chat1"
is_rc 0 "--export of a chat with files"
cp "$OUT" "$TMP/exp.json"
is "$(jx "$TMP/exp.json" '$.chats[0].messages[0].attachments[0].name' '$.chats[0].messages[0].attachments[0].mime_type' '$.chats[0].messages[0].attachments[0].size' '$.chats[0].messages[0].attachments[0].sha256' '$.chats[0].messages[0].attachments[1].name' '$.chats[0].messages[0].attachments[1].mime_type')" \
	"[\"dot.png\",\"image/png\",$(wc -c <"$W/dot.png" | tr -d ' '),\"$(sha "$W/dot.png")\",\"doc.pdf\",\"application/pdf\"]" \
	"--export: the question's attachments, in order, with name, type, size and hash"
is "$(jx "$TMP/exp.json" '$.chats[0].messages[0].attachments[0].data')" "$(b64 "$W/dot.png")" "--export: the data in base64"
is "$(jsql "$TMP/exp.json" "SELECT json_type(J, '\$.chats[0].messages[1].attachments') IS NULL FROM d")" 1 \
	"--export: a message without files has no attachments member"
OTHER=$TMP/other
run env T3_HOME="$OTHER" t3-chat --import "$TMP/exp.json"
is_rc 0 "--import into another installation"
is "$(sql "$OTHER/data.db" "SELECT count(*) || ' ' || sum(size) FROM chat_attachments") $(sql "$OTHER/data.db" "SELECT count(*) FROM chat_message_attachments")" \
	"2 $(($(wc -c <"$W/dot.png") + $(wc -c <"$W/doc.pdf"))) 3" "--import: the two files, stored once, and their three links"
run env T3_HOME="$OTHER" t3-chat --export "$chat1"
cmp -s "$OUT" "$TMP/exp.json"
ok $? "exported there again: byte for byte the same"
run with_openai env T3_HOME="$OTHER" t3-chat --chat "$chat1" "imported, continued"
is "$rc $(mock_req "$(mock_count)" '$.body.messages[0].content[0].type')" "0 image_url" "the imported chat resends its image"
decodes_to "$(mock_count)" '$.body.messages[0].content[0].image_url.url' "$W/dot.png" "... the same bytes"

# a tampered import: refused whole
jsql "$TMP/exp.json" "SELECT json_set(J, '\$.chats[0].messages[0].attachments[0].sha256', '$(sha "$W/doc.pdf")') FROM d" >"$TMP/bad.json"
run env T3_HOME="$TMP/third" t3-chat --import "$TMP/bad.json"
is "$rc" 2 "an import whose hash does not match: exit 2"
is_err "t3-chat: error: '$TMP/bad.json': chats[0]: messages[0].attachments[0].sha256: not the hash of the data" \
	"... the message names where"
is "$(sql "$TMP/third/data.db" "SELECT (SELECT count(*) FROM chat_sessions) + (SELECT count(*) FROM chat_attachments)")" 0 "... nothing imported"
jsql "$TMP/exp.json" "SELECT json_set(J, '\$.chats[0].messages[0].attachments[1].mime_type', 'image/png') FROM d" >"$TMP/bad.json"
run env T3_HOME="$TMP/third" t3-chat --import "$TMP/bad.json"
is "$rc $(cat "$ERR")" "2 t3-chat: error: '$TMP/bad.json': chats[0]: messages[0].attachments[1].mime_type: 'image/png' is not what the data holds" \
	"an import whose type does not match the data: refused"

# ================= removing chats leaves no orphan blob =================
pdf_hash=$(sha "$W/doc.pdf")
anth=$(sql "$DDB" "SELECT m.chat_id FROM chat_message_attachments l JOIN chat_messages m USING (message_id) WHERE l.name = 'photo.jpg'")
run t3-chat --rm -y "$anth"
is_rc 0 "--rm of the Anthropic chat"
is "$(sql "$DDB" "SELECT count(*) FROM chat_attachments WHERE hash = '$(sha "$W/photo.jpg")'") $(sql "$DDB" "SELECT count(*) FROM chat_attachments WHERE hash = '$pdf_hash'")" "0 1" \
	"its JPEG is gone; its PDF, which another chat links, stays"
for c in $(t3-chat -l -q); do t3-chat --rm -y "$c" >/dev/null 2>&1; done
is "$(blobs) $(links)" "0 0" "every chat removed: no attachment left"

# ================= completion: -a completes file names =================
if have bash; then
	got=$(bash -c '. "$1"; COMP_LINE="t3-chat -a $2/do"; COMP_POINT=${#COMP_LINE}; _t3_chat
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' sh "$TESTDIR/../completions/t3-chat.bash" "$W")
	is "$got" "$W/doc.pdf $W/dot.png " "bash: -a completes file names"
fi

done_testing
