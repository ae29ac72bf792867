#!/bin/sh
# t3-models sync: a newer shipped catalog updates shipped rows the user
# has not changed, adds new shipped models and aliases, and never
# touches a row the user changed or added.
. "$(dirname "$0")/lib.sh"

version=$(sed -n '1s/.*version=//p' "$TESTDIR/../share/models.tsv")
t3-models list -q >/dev/null

run t3-models sync
is_rc 0 "sync with the catalog already applied"
is_err "t3-models: catalog $version is already applied (use --force to re-apply it)" "says so"
run t3-models sync --force
is_rc 0 "sync --force on an untouched catalog"
is_err "t3-models: catalog $version: 0 added, 0 updated, 0 kept, 0 aliases added" "changes nothing"

# Simulate an older catalog: an old version recorded, a shipped price and
# limit changed behind t3's back, a shipped model and alias missing, a
# model the user changed, one the user added under a shipped name.
t3-models set gpt-4o --input-price 0.009
t3-models rm o3
t3-models unalias haiku
sql "$DDB" "UPDATE t3_meta SET value = '2026.01.01.1' WHERE key = 'catalog_version';
	UPDATE model_capabilities SET input_usd_per_1k = 0.5, max_token_limit = 5, supports_tools = 0,
		deprecation_date = '2031-01-01', catalog_version = '2026.01.01.1'
		WHERE model_name = 'gpt-4.1';
	UPDATE model_capabilities SET origin = 'user', output_usd_per_1k = 1
		WHERE model_name = 'deepseek-chat'"
t3-models alias haiku gpt-4.1

snapshot
run t3-models sync --dry-run
is_rc 0 "sync --dry-run"
is_err "t3-models: sync: keep openai/gpt-4o (changed by the user): input_usd_per_1k 0.009 -> 0.0025
t3-models: sync: update openai/gpt-4.1: max_token_limit 5 -> 1047576, input_usd_per_1k 0.5 -> 0.002, supports_tools false -> true, deprecation_date 2031-01-01 -> none
t3-models: sync: add openai/o3
t3-models: sync: keep deepseek/deepseek-chat (added by the user): output_usd_per_1k 1 -> 0.00042
t3-models: catalog $version: 1 added, 1 updated, 2 kept, 0 aliases added (dry run: nothing written)" \
	"reports one line per change"
unchanged "--dry-run writes nothing"

run t3-models sync --json
is_rc 0 "sync --json"
is_out '[
{"action":"keep","provider_name":"openai","model_name":"gpt-4o","alias":null,"reason":"changed by the user","changes":{"input_usd_per_1k":[0.009,0.0025]}},
{"action":"update","provider_name":"openai","model_name":"gpt-4.1","alias":null,"reason":null,"changes":{"max_token_limit":[5,1047576],"input_usd_per_1k":[0.5,0.002],"supports_tools":[false,true],"deprecation_date":["2031-01-01",null]}},
{"action":"add","provider_name":"openai","model_name":"o3","alias":null,"reason":null,"changes":{}},
{"action":"keep","provider_name":"deepseek","model_name":"deepseek-chat","alias":null,"reason":"added by the user","changes":{"output_usd_per_1k":[1.0,0.00042]}}
]' "the same as a JSON list"
is_err "t3-models: catalog $version: 1 added, 1 updated, 2 kept, 0 aliases added" "and the summary"

is "$(sql "$DDB" "SELECT input_usd_per_1k, max_token_limit, supports_tools, deprecation_date IS NULL, user_modified, catalog_version FROM model_capabilities WHERE model_name = 'gpt-4.1'")" \
	"0.002|1047576|1|1|0|$version" "the shipped row is restored and stamped with the version"
is "$(sql "$DDB" "SELECT usd_per_1k_tokens FROM model_capabilities WHERE model_name = 'gpt-4.1'")" \
	"0.0035" "and its blended price re-derived"
is "$(sql "$DDB" "SELECT input_usd_per_1k, user_modified FROM model_capabilities WHERE provider_name = 'openai' AND model_name = 'gpt-4o'")" \
	"0.009|1" "the user-modified row survives"
is "$(sql "$DDB" "SELECT output_usd_per_1k FROM model_capabilities WHERE model_name = 'deepseek-chat'")" \
	"1.0" "the user's own row survives"
is "$(sql "$DDB" "SELECT origin, user_modified, catalog_version FROM model_capabilities WHERE model_name = 'o3'")" \
	"catalog|0|$version" "the missing shipped model is added"
is "$(t3-models show haiku -q)" "gpt-4.1" "a shipped alias the user repointed is left alone"
is "$(sql "$DDB" "SELECT value FROM t3_meta WHERE key = 'catalog_version'")" "$version" "the new version is recorded"

snapshot
run t3-models sync
is_rc 0 "a second sync exits 0"
is_err "t3-models: catalog $version is already applied (use --force to re-apply it)" "a second sync does nothing"
unchanged "and writes nothing"

# A shipped alias that is missing comes back with a newer catalog.
t3-models unalias haiku
sql "$DDB" "UPDATE t3_meta SET value = '2025.1' WHERE key = 'catalog_version'"
run t3-models sync --tsv
is_rc 0 "sync --tsv"
is "$(grep "^alias" "$OUT")" "$(printf 'alias\tanthropic\tclaude-haiku-4-5-20251001\thaiku\t\t{}')" "the alias row"
is "$(t3-models show haiku -q)" "claude-haiku-4-5-20251001" "the shipped alias is back"

snapshot
run t3-models sync --all
is_rc 2 "sync refuses options of other commands"
is_err "t3-models: error: option '--all' does not apply to 'sync'" "names the option"
run t3-models sync now
is_rc 2 "sync takes no arguments"
is_err "t3-models: error: too many arguments for 'sync'
try 't3-models --help'" "says so"
unchanged "nothing changed"

done_testing
