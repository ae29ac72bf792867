#!/bin/sh
# t3-chat over HTTPS: certificates and host names are always verified, a
# refused server never sees the request (nor the key), and CURL_CA_BUNDLE
# trusts a private CA without turning verification off. The mock serves
# TLS with a certificate made here for 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

usage_status() { sql "$DDB" "SELECT status_code FROM usage_metrics ORDER BY rowid DESC LIMIT 1"; }

if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=t3-test \
	-addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >"$TMP/openssl.err" 2>&1; then
	echo "Bail out! openssl could not make a test certificate: $(cat "$TMP/openssl.err")"
	exit 255
fi
MOCK_TLS="$TMP/cert.pem $TMP/key.pem"

# ---- a certificate nobody vouches for ----
mock_script '{"gen_events":3}'
is "${MOCK_URL%%://*}" https "(the mock speaks HTTPS)"
run with_openai t3-chat -m gpt-4o-mini hello
is_rc 4 "self-signed certificate: exit 4 (network)"
like "$ERR" '^t3-chat: error: network error: .*certificate' "one line naming the certificate problem"
is "$(wc -l <"$ERR" | tr -d ' ')" 1 "one line"
is "$(cat "$OUT")" "" "nothing on stdout"
is "$(mock_count)" 0 "the server never got the request, nor the key"
is "$(usage_status)" network "metered as network"

# tls_chat CA_BUNDLE BASE_URL: a chat with that CA bundle and base URL
tls_chat() {
	run env CURL_CA_BUNDLE="$1" OPENAI_BASE_URL="$2" OPENAI_API_KEY="$KEY" \
		timeout "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hello
}

# ---- the same certificate, trusted ----
tls_chat "$TMP/cert.pem" "$MOCK_URL/v1"
is_rc 0 "CURL_CA_BUNDLE names the CA: exit 0"
is "$(cat "$OUT")" "tok0 tok1 tok2 " "the answer streamed over TLS"
is "$(mock_req 1 '$.headers.authorization')" "Bearer $KEY" "the key was sent, encrypted"
is "$(usage_status)" success "metered as success"

# ---- trusted, but for another name ----
port=${MOCK_URL##*:}
tls_chat "$TMP/cert.pem" "https://localhost:$port/v1"
is_rc 4 "a certificate for 127.0.0.1 reached as localhost: exit 4"
like "$ERR" "^t3-chat: error: network error: .*(localhost|name)" "names the host name mismatch"
like "$ERR" "^t3-chat: error: network error: .*match.*localhost" "(a mismatch, not any error naming localhost)"
is "$(wc -l <"$ERR" | tr -d ' ') $(cat "$OUT")" "1 " "the mismatch: one line, nothing on stdout"
is "$(usage_status)" network "the mismatch: metered as network"
is "$(mock_count)" 1 "no second request reached the server"

# ---- a CA bundle that is not there ----
tls_chat "$TMP/missing.pem" "$MOCK_URL/v1"
is_rc 4 "a missing CA file: exit 4"
like "$ERR" '^t3-chat: error: network error: ' "one line"
like "$ERR" '^t3-chat: error: network error: .*missing\.pem' "naming the missing file"
is "$(wc -l <"$ERR" | tr -d ' ') $(cat "$OUT")" "1 " "the missing CA file: one line, nothing on stdout"
is "$(usage_status)" network "the missing CA file: metered as network"
is "$(mock_count)" 1 "and nothing sent"

done_testing
