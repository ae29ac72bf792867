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

done_testing
