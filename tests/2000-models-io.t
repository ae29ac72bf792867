#!/bin/sh
# t3-models export and import: NDJSON and TSV, exact round trips into a
# fresh data.db, upsert rules, --replace, and all-or-nothing errors that
# name the line and the field.
. "$(dirname "$0")/lib.sh"

# A catalog with changes of every kind: a user model with an alias, a
# shipped model changed by the user, a removed alias, a disabled model.
t3-models add acme rocket-1 --api anthropic --context 32000 --input-price 0.001 \
	--output-price 0.004 --cached-price 0.0005 --deprecation-date 2030-01-01 >/dev/null
t3-models alias rocket rocket-1
t3-models set gpt-4o --input-price 0.002 --no-images
t3-models unalias 4o
t3-models disable llama3.1

run t3-models export
is_rc 0 "export"
cp "$OUT" "$TMP/a.ndjson"
is "$(wc -l <"$OUT" | tr -d ' ')" 69 "NDJSON: one object per model"
is "$(grep '"model_name":"rocket-1"' "$OUT")" \
	'{"provider_name":"acme","model_name":"rocket-1","api":"anthropic","is_active":true,"max_token_limit":32000,"max_output_tokens":null,"input_usd_per_1k":0.001,"output_usd_per_1k":0.004,"reasoning_usd_per_1k":null,"cached_usd_per_1k":0.0005,"usd_per_1k_tokens":0.00175,"supports_images":false,"supports_pdfs":false,"multimodal_input":false,"reasoning_enabled":false,"supports_tools":false,"deprecation_date":"2030-01-01","replacement":null,"origin":"user","user_modified":false,"catalog_version":null,"aliases":["rocket"]}' \
	"the export record"
run t3-models export --format tsv
is_rc 0 "export --format tsv"
is "$(wc -l <"$OUT" | tr -d ' ')" 71 "TSV: a comment, the header, one line per model"
cp "$OUT" "$TMP/a.tsv"
is "$(sed -n 2p "$OUT")" "$(printf 'provider_name\tmodel_name\tapi\tis_active\tmax_token_limit\tmax_output_tokens\tinput_usd_per_1k\toutput_usd_per_1k\treasoning_usd_per_1k\tcached_usd_per_1k\tusd_per_1k_tokens\tsupports_images\tsupports_pdfs\tmultimodal_input\treasoning_enabled\tsupports_tools\tdeprecation_date\treplacement\torigin\tuser_modified\tcatalog_version\taliases')" \
	"TSV: a comment, then the header"
is "$(grep '	rocket-1	' "$OUT")" "$(printf 'acme\trocket-1\tanthropic\t1\t32000\t\t0.001\t0.004\t\t0.0005\t0.00175\t0\t0\t0\t0\t0\t2030-01-01\t\tuser\t0\t\trocket')" \
	"the TSV record"
snapshot
run t3-models export --json
is_rc 2 "export takes --format, not an output option"
is_err "t3-models: error: 'export' writes --format json or tsv; it takes no output option
try 't3-models --help'" "says so"
is "$(cat "$OUT")" "" "and exports nothing"
unchanged "a refused export changes nothing"

# --- round trips into fresh databases ------------------------------------
for fmt in json tsv; do
	ext=ndjson; [ $fmt = tsv ] && ext=tsv
	run env T3_HOME="$TMP/rt-$fmt" t3-models import "$TMP/a.$ext"
	is_rc 0 "$fmt: import into a fresh data.db"
	is "$(cat "$ERR")" "t3-models: imported 69 models: 1 added, 68 updated, 0 removed" "$fmt: reports"
	T3_HOME="$TMP/rt-$fmt" t3-models export --format $fmt >"$TMP/b.$ext"
	cmp -s "$TMP/a.$ext" "$TMP/b.$ext"
	ok $? "$fmt: export | import | export is byte for byte the same"
	[ $fmt = tsv ] || { cmp -s "$TMP/a.ndjson" "$TMP/b.ndjson" || diag "$(diff "$TMP/a.ndjson" "$TMP/b.ndjson" | head)"; }
done
T3_HOME="$TMP/rt-tsv" t3-models export >"$TMP/c.ndjson"
cmp -s "$TMP/a.ndjson" "$TMP/c.ndjson"
ok $? "TSV and JSON carry the same data"
is "$(T3_HOME="$TMP/rt-json" t3-models show rocket -q)" "rocket-1" "aliases travel with the export"
run env T3_HOME="$TMP/rt-json" t3-models show 4o
is_rc 2 "a removed alias stays removed"
run env T3_HOME="$TMP/rt-json" t3-models import --format tsv "$TESTDIR/../share/models.tsv"
is_rc 0 "the shipped catalog file imports as TSV"
is "$(cat "$ERR")" "t3-models: imported 68 models: 0 added, 68 updated, 0 removed" "the shipped catalog: 68 updated"
is "$(T3_HOME="$TMP/rt-json" t3-models show rocket -q)" "rocket-1" "a model not in the file is kept (no --replace)"

# --- upsert rules --------------------------------------------------------
printf '%s\n' '{"provider_name":"openai","model_name":"gpt-4o-mini","output_usd_per_1k":0.001}' \
	'{"provider_name":"acme","model_name":"new-1","api":"gemini","max_token_limit":5,"aliases":["n1"]}' |
	run t3-models import
is_rc 0 "import partial records from stdin"
is "$(sql "$DDB" "SELECT input_usd_per_1k, output_usd_per_1k, user_modified, origin FROM model_capabilities WHERE model_name = 'gpt-4o-mini'")" \
	"0.00015|0.001|1|catalog" "an existing model: given fields change, the rest stay, user_modified set"
is "$(sql "$DDB" "SELECT api, max_token_limit, is_active, origin, user_modified FROM model_capabilities WHERE model_name = 'new-1'")" \
	"gemini|5|1|user|0" "a new model gets the defaults of add"
is "$(t3-models show n1 -q)" "new-1" "with its alias"
run t3-models list --jsonl --provider acme
sed -n 1p "$OUT" >"$TMP/rec"
grep -q '^{"model_id":"[0-9a-f-]*","provider_name":"acme","model_name":"new-1",' "$TMP/rec"; ok $? "(the record is new-1's, with its model_id)"
run t3-models import <"$TMP/rec"
is_rc 0 "a record of list --jsonl imports (name, model_id, deprecated ignored)"
is "$(cat "$ERR")" "t3-models: imported 1 model: 0 added, 1 updated, 0 removed" "it updates the model it came from"

# --- bad input: one line, line number, field, nothing written -------------
snapshot
good='{"provider_name":"acme","model_name":"ok-1","api":"openai","max_token_limit":10}'
bad_import() { # EXPECTED-RC EXPECTED-ERR DESCRIPTION [LINE...]
	exp_rc=$1 exp_err=$2 desc=$3; shift 3
	printf '%s\n' "$@" >"$TMP/in"
	run t3-models import "$TMP/in"
	is_rc "$exp_rc" "$desc: exit $exp_rc"
	is_err "$exp_err" "$desc: the message"
}
bad_import 2 "t3-models: error: line 2: field 'input_usd_per_1k' must be a non-negative number (USD per 1k tokens), not '-0.5'" \
	"negative price" "$good" '{"provider_name":"acme","model_name":"b","api":"openai","max_token_limit":10,"input_usd_per_1k":-0.5}'
bad_import 2 "t3-models: error: line 3: invalid JSON: '[' or '{' expected near 'provider'" \
	"malformed JSON line" "$good" '' 'provider_name: x'
bad_import 2 "t3-models: error: line 1: unknown field 'colour'" \
	"unknown field" '{"provider_name":"acme","model_name":"b","colour":"red"}'
bad_import 2 "t3-models: error: line 1: field 'model_name' is required" \
	"missing model_name" '{"provider_name":"acme"}'
bad_import 2 "t3-models: error: line 1: field 'api' is required" \
	"missing api on a new model" '{"provider_name":"acme","model_name":"b","max_token_limit":3}'
bad_import 2 "t3-models: error: line 1: field 'supports_images' must be true or false, not '\"yes\"'" \
	"wrong JSON type" '{"provider_name":"acme","model_name":"b","api":"openai","max_token_limit":3,"supports_images":"yes"}'
bad_import 2 "t3-models: error: line 1: field 'max_token_limit' must be a positive integer, not '1.5'" \
	"fractional count" '{"provider_name":"acme","model_name":"b","api":"openai","max_token_limit":1.5}'
bad_import 3 "t3-models: error: line 2: duplicate model 'acme/ok-1' (also on line 1)" \
	"duplicate model in the input" "$good" "$good"
bad_import 3 "t3-models: error: alias 'gpt-5' is already a model name
t3-models: error: line 1: alias 'gpt-5' not imported" \
	"an alias that is a model name" '{"provider_name":"acme","model_name":"b","api":"openai","max_token_limit":3,"aliases":["gpt-5"]}'
bad_import 2 "t3-models: error: line 1: not a JSON object" "a JSON array" '[1]'
tab=$(printf '\t')
bad_import 2 "t3-models: error: line 2: field 'supports_tools' must be 0 or 1, not 'maybe'" \
	"TSV: bad boolean" "provider_name${tab}model_name${tab}api${tab}max_token_limit${tab}supports_tools" \
	"acme${tab}b${tab}openai${tab}3${tab}maybe"
bad_import 2 "t3-models: error: line 3: 4 fields, the header has 5" \
	"TSV: short line" "provider_name${tab}model_name${tab}api${tab}max_token_limit${tab}supports_tools" \
	"acme${tab}b${tab}openai${tab}3${tab}1" "acme${tab}c${tab}openai${tab}3"
bad_import 2 "t3-models: error: line 1: unknown field 'price'" \
	"TSV: unknown column" "provider_name${tab}model_name${tab}price"
bad_import 2 "t3-models: error: line 1: the header needs the fields 'provider_name' and 'model_name'" \
	"TSV: no key column" "model_name${tab}api"
run t3-models import "$TMP/nonexistent"
is_rc 2 "a missing file"
is_err "t3-models: error: cannot open '$TMP/nonexistent': No such file or directory" "names the file and the reason"
run t3-models import --format xml
is_rc 2 "unknown --format"
is_err "t3-models: error: --format 'xml' must be json or tsv" "says so"
run t3-models import --force "$TMP/a.ndjson"
is_rc 2 "--force without --replace"
is_err "t3-models: error: --force goes with --replace
try 't3-models --help'" "says so"
unchanged "every bad import left the database unchanged"

# --- --replace ---------------------------------------------------------------
printf '%s\n' "$good" '{"provider_name":"openai","model_name":"gpt-5"}' >"$TMP/small"
sql "$DDB" "INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, status_code) VALUES
	('01a21364-0fc2-72d8-bb36-000000000004', '01a21364-0fc2-72d8-bb36-0000000000aa', 1, 'o3', 'success')"
snapshot
run t3-models import --replace "$TMP/small"
is_rc 3 "--replace refuses to drop a model usage names"
is_err "t3-models: error: model 'openai/o3' is not in the input but 1 chat message or usage row name it (use --force)" \
	"says which"
unchanged "and changes nothing"
run t3-models import --replace --force "$TMP/small"
is_rc 0 "--replace --force"
is "$(cat "$ERR")" "t3-models: imported 2 models: 1 added, 1 updated, 69 removed" "--replace reports the removals"
is "$(t3-models list --all -q | tr '\n' ' ')" "ok-1 gpt-5 " "only the imported models are left"
is "$(t3-models aliases -q | tr '\n' ' ')" "gpt5 " "with their aliases"

done_testing
