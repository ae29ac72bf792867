#!/bin/sh
# The t3-models documentation: the man page lints clean, every command and
# option of `t3-models --help` is documented and completed, the
# completions answer with model names, and the EXAMPLES run as written.
. "$(dirname "$0")/lib.sh"

doc_files t3-models

man_lint "$MAN1"

# --- every command and option of --help is documented and completed ----
run t3-models --help
is_rc 0 "t3-models --help"
cmds=$(grep -oE '(^  | \| )[a-z]+' "$OUT" | sed 's/^[ |]*//' | sort -u)
opts=$(grep -o -- '--[a-z][a-z-]*' "$OUT" | sort -u)
is "$(echo $cmds)" "add alias aliases disable enable export help import list resolve rm set show sync unalias" \
	"commands found in --help"
doc_commands t3-models "$MAN1" $cmds
doc_options t3-models "$MAN1" $opts
for cap in images pdfs multimodal reasoning tools; do
	grep -q -- "Fl -no-$cap" "$MAN1"
	ok $? "t3-models.1 documents '--$cap' and '--no-$cap'"
done
for code in 0 1 2 3 4 5 6 130; do
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$MAN1" | grep -q "^\\.It $code\$"
	ok $? "EXIT STATUS lists $code"
done
for f in model_id provider_name model_name api is_active max_token_limit max_output_tokens \
	input_usd_per_1k output_usd_per_1k reasoning_usd_per_1k cached_usd_per_1k usd_per_1k_tokens \
	supports_images supports_pdfs multimodal_input reasoning_enabled supports_tools \
	deprecation_date replacement origin user_modified catalog_version deprecated aliases; do
	sed -n '/^\.Ss JSON FIELDS/,/^\.Sh /p' "$MAN1" | grep -Eq "^\\.It Li (.* )?$f( |\$)"
	ok $? "JSON FIELDS lists '$f'"
done
run t3-models show echo --json
is "$(grep -o '"[a-z_0-9]*":' "$OUT" | tr -d '":' | tr '\n' ' ')" \
	"model_id provider_name model_name api is_active max_token_limit max_output_tokens input_usd_per_1k output_usd_per_1k reasoning_usd_per_1k cached_usd_per_1k usd_per_1k_tokens supports_images supports_pdfs multimodal_input reasoning_enabled supports_tools deprecation_date replacement origin user_modified catalog_version deprecated aliases " \
	"the record has the documented fields in the documented order"
for a in $(t3-models aliases -q); do
	grep -q "^\\.It $a Ta $(t3-models aliases --tsv | awk -F'\t' -v a="$a" '$1 == a { print $2 "/" $3 }')\$" "$MAN1"
	ok $? "default alias '$a' documented with its model"
done

# --- the completions load and answer -----------------------------------
t3-models add ollama qwen3:8b --api openai --context 4096 >/dev/null
got=$(bash -c '
	. "$1"
	COMP_WORDS=(t3-models s); COMP_CWORD=1; _t3_models; echo "${COMPREPLY[*]}"
	COMP_WORDS=(t3-models list --sort ""); COMP_CWORD=3; _t3_models; echo "${COMPREPLY[*]}"
	COMP_WORDS=(t3-models show son); COMP_CWORD=2; _t3_models; echo "${COMPREPLY[*]}"
	COMP_WORDS=(t3-models list --supports r); COMP_CWORD=3; _t3_models; echo "${COMPREPLY[*]}"
	COMP_LINE="t3-models show qwen3:"; COMP_POINT=${#COMP_LINE}; _t3_models; echo "${COMPREPLY[*]}"
	unset COMP_LINE; COMP_WORDS=(t3-models sync --d); COMP_CWORD=2; _t3_models; echo "${COMPREPLY[*]}"
' sh "$TOP/completions/t3-models.bash" 2>&1)
is "$got" "show set sync
name price context
sonnet
reasoning
8b
--data-db --dry-run" "bash completion: commands, values, model names and aliases, names across ':'"
got=$(T3_HOME=$TMP/none bash -c '. "$1"; COMP_WORDS=(t3-models show zzz); COMP_CWORD=2; _t3_models; echo "${COMPREPLY[*]}"' \
	sh "$TOP/completions/t3-models.bash" 2>&1)
is "$got" "" "bash completion opens no database that does not exist"
[ ! -e "$TMP/none" ]
ok $? "and creates none"
got=$(T3_HOME=$TMP/none bash -c '. "$1"; COMP_WORDS=(t3-models show gpt-4o-m); COMP_CWORD=2; _t3_models; echo "${COMPREPLY[*]}"; COMP_WORDS=(t3-models show hai); _t3_models; echo "${COMPREPLY[*]}"; COMP_WORDS=(t3-models list --provider gro); COMP_CWORD=3; _t3_models; echo "${COMPREPLY[*]}"' \
	sh "$TOP/completions/t3-models.bash" 2>&1)
is "$got" "gpt-4o-mini
haiku
groq" "bash completion on a fresh install: names, aliases and providers from the catalog built in"
[ ! -e "$TMP/none" ]
ok $? "and still no database"
have zsh && shell_n zsh "$TOP/completions/_t3-models"
if have fish 5; then
	shell_n fish "$TOP/completions/t3-models.fish"
	got=$(fish -c "source '$TOP/completions/t3-models.fish'; complete -C 't3-models unalias '" 2>&1 | cut -f1 | tr '\n' ' ')
	is "$got" "4o 4o-mini deepseek flash gpt5 grok haiku llama opus pro sonnet " "fish completion: aliases"
	got=$(fish -c "source '$TOP/completions/t3-models.fish'; complete -C 't3-models show gpt-5.'" 2>&1 | cut -f1 | tr '\n' ' ')
	is "$got" "gpt-5.2 gpt-5.4 gpt-5.4-mini gpt-5.5 gpt-5.6 " "fish completion: model names"
	got=$(T3_HOME=$TMP/none2 fish -c "source '$TOP/completions/t3-models.fish'; complete -C 't3-models show gpt-5.'" 2>&1 | cut -f1 | tr '\n' ' ')
	is "$got" "gpt-5.2 gpt-5.4 gpt-5.4-mini gpt-5.5 gpt-5.6 " "fish completion on a fresh install: model names from the catalog built in"
	[ ! -e "$TMP/none2" ]; ok $? "and no database created"
fi
t3-models rm qwen3:8b

# --- the EXAMPLES of t3-models.1 run as written -------------------------
# Commands after "$ " in literal blocks (continued after a trailing '\'
# or '|'); ssh runs the remote command against T3_HOME.HOST.
examples_extract "$MAN1" "$TMP/ex.rc"
examples_found t3-models.1 8
# The server examples ask a mock: Ollama's list and /api/show twice (the
# dry run, then the sync), a llama.cpp list at the URL the page gives
# (rewritten to the mock's), and the chat's answer.
. "$TESTDIR/mock.sh"
F=$FIXTURES/servers
ollama=
for f in v1-models show-qwen3 show-llama3.2 show-gemma3 show-nomic-embed-text show-mystery; do
	ollama="$ollama {\"file\":\"$F/ollama-$f.json\"}"
done
# shellcheck disable=SC2086 # one script line per word
mock_script $ollama $ollama "{\"file\":\"$F/openai-compatible-models.json\"}" \
	'{"gen_events":2,"api":"openai"}'
OLLAMA_BASE_URL=$MOCK_URL/v1
export OLLAMA_BASE_URL
sed -i "s#http://localhost:8080/v1#$MOCK_URL/v1#" "$TMP/examples.body"
examples_run
examples_report "$TMP/ex.rc" "$TMP/ex.err"
is "$examples_ran" "$nex" "every example ran"
grep -q '^usable$' "$TMP/ex.out"
ok $? "resolve sonnet was usable"
grep -qx 'claude-sonnet-5' "$TMP/ex.out"
ok $? "the million-token example lists claude-sonnet-5"
is "$(t3-models show qwen -q)" "qwen3:8b" "the added model and its alias"
is "$(T3_HOME=$T3_HOME.newhost t3-models show qwen -q)" "qwen3:8b" "arrived on newhost"
is "$(T3_HOME=$T3_HOME.newhost t3-models export)" "$(t3-models export)" "with the same catalog"
is "$(sql "$DDB" "SELECT user_modified FROM model_capabilities WHERE provider_name = 'openai' AND model_name = 'gpt-4o'")" \
	1 "the price example marked gpt-4o user-modified"
is "$(mock_count)" 14 "the server examples asked the mock: 6 + 6 + 1 + the chat"
is "$(sql "$DDB" "SELECT provider_name || '/' || model_name FROM model_capabilities WHERE model_name IN ('gemma3:4b', 'local-gguf', 'Qwen/Qwen3-8B') ORDER BY 1")" \
	"llamacpp/Qwen/Qwen3-8B
llamacpp/local-gguf
ollama/gemma3:4b" "the sync examples added the servers' models"
grep -qx 'tok0 tok1 ' "$TMP/ex.out"
ok $? "the chat with a synced model was answered"

done_testing
