#!/bin/sh
# t3-models: classes of bad input, each refused with its message, exit 2
# and both databases unchanged: numbers (sign, blanks, overflow, absurd
# prices), text (invalid UTF-8, control and bidi characters, huge names),
# JSON with a duplicate key.
. "$(dirname "$0")/lib.sh"

t3-models list -q >/dev/null   # create data.db with the catalog
t3-user check >/dev/null 2>&1

bad() { # EXIT MESSAGE -- CMD...
	code=$1 msg=$2
	shift 3
	snapshot
	run "$@"
	is_rc "$code" "$(printf '%s' "$*" | head -c 100 | tr -d '\000-\037') exits $code"
	is_err "t3-models: error: $msg" "$(printf '%s' "$*" | head -c 100 | tr -d '\000-\037') says why"
	unchanged "$(printf '%s' "$*" | head -c 100 | tr -d '\000-\037') leaves the databases unchanged"
}

# --- numbers ----------------------------------------------------------------
bad 2 "field 'input_usd_per_1k' must be at most 1000 (USD per 1k tokens), not '1e308'" -- \
	t3-models set gpt-4o --input-price 1e308
bad 2 "field 'input_usd_per_1k' must be a non-negative number (USD per 1k tokens), not '+5'" -- \
	t3-models set gpt-4o --input-price +5
bad 2 "field 'output_usd_per_1k' must be a non-negative number (USD per 1k tokens), not ' 5'" -- \
	t3-models set gpt-4o --output-price ' 5'
bad 2 "field 'output_usd_per_1k' must be a non-negative number (USD per 1k tokens), not 'inf'" -- \
	t3-models set gpt-4o --output-price inf
bad 2 "field 'max_token_limit' must be a positive integer of at most 10^12, not '9223372036854775808'" -- \
	t3-models set gpt-4o --context 9223372036854775808
bad 2 "field 'max_token_limit' must be a positive integer, not '+5'" -- \
	t3-models set gpt-4o --context +5
bad 2 "--max-price '1e308' is more than 1000 (USD per 1k tokens)" -- \
	t3-models list --max-price 1e308
bad 2 "--max-price '+1' is not a non-negative number" -- t3-models list --max-price +1
printf '{"provider_name":"acme","model_name":"big","api":"echo","max_token_limit":5,"input_usd_per_1k":1e308}\n' >"$TMP/big.ndjson"
bad 2 "line 1: field 'input_usd_per_1k' must be at most 1000 (USD per 1k tokens), not '1e308'" -- \
	t3-models import "$TMP/big.ndjson"
run t3-models set gpt-4o --input-price 5e-5
is_rc 0 "a price with an exponent is still read (5e-5)"
is "$(sql "$DDB" "SELECT input_usd_per_1k FROM model_capabilities WHERE model_name = 'gpt-4o'")" "5.0e-05" "and stored as the number"
run t3-models show gpt-4o --tsv
is "$(cut -f8 "$OUT" | sed -n 2p)" "0.00005" "TSV writes it in plain decimal"

# --- names: valid UTF-8 without control or bidi characters --------------------
rule="must be 1-200 bytes of UTF-8 without spaces or control characters"
bad 2 "field 'model_name' $rule, not 'x<U+202E>y'" -- \
	t3-models add acme "$(printf 'x\342\200\256y')" --api echo --context 5
bad 2 "field 'model_name' $rule, not 'xM-^[y'" -- \
	t3-models add acme "$(printf 'x\302\233y')" --api echo --context 5
bad 2 "field 'model_name' $rule, not 'x$(printf '\377')y'" -- \
	t3-models add acme "$(printf 'x\377y')" --api echo --context 5
bad 2 "field 'replacement' $rule, not 'a^[[2Jb'" -- \
	t3-models set gpt-4o --replacement "$(printf 'a\033[2Jb')"
printf '{"provider_name":"acme","model_name":"x\\u202ey","api":"echo","max_token_limit":5}\n' >"$TMP/bidi.ndjson"
bad 2 "line 1: field 'model_name' $rule, not 'x<U+202E>y'" -- t3-models import "$TMP/bidi.ndjson"
printf 'provider_name\tmodel_name\tapi\tmax_token_limit\nacme\tx\302\233y\techo\t5\n' >"$TMP/c1.tsv"
bad 2 "line 2: field 'model_name' $rule, not 'xM-^[y'" -- t3-models import --format tsv "$TMP/c1.tsv"

# --- messages: neutralised, one line, subjects shortened ---------------------
bad 2 "unknown model 'x^[]52;c;Zm9v^G' (see 't3-models list --all')" -- \
	t3-models show "$(printf 'x\033]52;c;Zm9v\007')"
big=$(head -c 100000 /dev/zero | tr '\0' a)
run t3-models show "$big"
is_rc 2 "a 100 kB model name: a usage error"
is "$(wc -l <"$ERR" | tr -d ' ')" 1 "in one line"
[ "$(wc -c <"$ERR")" -lt 400 ]; ok $? "a short one ($(wc -c <"$ERR") bytes)"
like "$ERR" "^t3-models: error: unknown model 'a{200}\\.\\.\\.'" "the subject cut to 200 bytes and '...'"
printf '{"provider_name":"acme","model_name":"%s","api":"echo","max_token_limit":5}\n' \
	"$(head -c 1000000 /dev/zero | tr '\0' b)" >"$TMP/big.ndjson"
snapshot
run t3-models import "$TMP/big.ndjson"
is_rc 2 "a 1 MB model name in an import: refused"
[ "$(wc -c <"$ERR")" -lt 400 ]; ok $? "with a short message"
unchanged "and nothing imported"

# --- a table neutralises what an older t3 or a foreign writer stored ---------
sqlite3 "$DDB" "UPDATE model_capabilities SET model_name = 'evil' || char(8238) || 'x' || char(27) || '[2J' WHERE model_name = 'gemma3'"
run t3-models list --all --provider ollama
like "$OUT" '^evil<U\+202E>x\^\[\[2J ' "the table shows a bidi override and an escape, not sends them"
run t3-models list --all --provider ollama -q
grep -q "$(printf 'evil\342\200\256x\033\\[2J')" "$OUT"; ok $? "-q writes the bytes as stored"

# --- import: a duplicate key is refused --------------------------------------
printf '{"provider_name":"acme","model_name":"dup","model_name":"dup2","api":"echo","max_token_limit":5}\n' >"$TMP/dup.ndjson"
bad 2 "line 1: invalid JSON: duplicate object key near '\"model_name\"'" -- t3-models import "$TMP/dup.ndjson"

done_testing
