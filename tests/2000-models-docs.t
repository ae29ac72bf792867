#!/bin/sh
# The t3-models documentation: the man page lints clean, every command and
# option of `t3-models --help` is documented and completed, the
# completions answer with model names, and the EXAMPLES run as written.
. "$(dirname "$0")/lib.sh"

TOP=$TESTDIR/..
MAN1=$TOP/man/t3-models.1
COMPLETIONS="$TOP/completions/t3-models.bash $TOP/completions/t3-models.fish $TOP/completions/_t3-models"

man_lint "$MAN1"

# --- every command and option of --help is documented and completed ----
run t3-models --help
is_rc 0 "t3-models --help"
cmds=$(grep -oE '(^  | \| )[a-z]+' "$OUT" | sed 's/^[ |]*//' | sort -u)
opts=$(grep -o -- '--[a-z][a-z-]*' "$OUT" | sort -u)
is "$(echo $cmds)" "add alias aliases disable enable export import list resolve rm set show sync unalias" \
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
for f in name model_id provider_name model_name api is_active max_token_limit max_output_tokens \
	input_usd_per_1k output_usd_per_1k reasoning_usd_per_1k cached_usd_per_1k usd_per_1k_tokens \
	supports_images supports_pdfs multimodal_input reasoning_enabled supports_tools \
	deprecation_date replacement origin user_modified catalog_version deprecated aliases; do
	sed -n '/^\.Ss JSON FIELDS/,/^\.Sh /p' "$MAN1" | grep -Eq "^\\.It Li (.* )?$f( |\$)"
	ok $? "JSON FIELDS lists '$f'"
done
run t3-models show echo --json
is "$(grep -o '"[a-z_0-9]*":' "$OUT" | tr -d '":' | tr '\n' ' ')" \
	"name model_id provider_name model_name api is_active max_token_limit max_output_tokens input_usd_per_1k output_usd_per_1k reasoning_usd_per_1k cached_usd_per_1k usd_per_1k_tokens supports_images supports_pdfs multimodal_input reasoning_enabled supports_tools deprecation_date replacement origin user_modified catalog_version deprecated aliases " \
	"the record has the documented fields in the documented order"
for a in $(t3-models aliases -q); do
	grep -q "^\\.It $a Ta $(t3-models aliases --tsv | awk -F'\t' -v a="$a" '$1 == a { print $3 "/" $4 }')\$" "$MAN1"
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
got=$(T3_HOME=$TMP/none bash -c '. "$1"; COMP_WORDS=(t3-models show x); COMP_CWORD=2; _t3_models; echo "${COMPREPLY[*]}"' \
	sh "$TOP/completions/t3-models.bash" 2>&1)
is "$got" "" "bash completion asks no database that does not exist"
[ ! -e "$TMP/none" ]
ok $? "and creates none"
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$TOP/completions/_t3-models"
	ok $? "zsh -n _t3-models"
else
	ok 0 "# SKIP zsh not installed"
fi
if command -v fish >/dev/null 2>&1; then
	fish -n "$TOP/completions/t3-models.fish"
	ok $? "fish -n t3-models.fish"
	got=$(fish -c "source '$TOP/completions/t3-models.fish'; complete -C 't3-models unalias '" 2>&1 | cut -f1 | tr '\n' ' ')
	is "$got" "4o 4o-mini deepseek flash gpt5 grok haiku llama opus pro sonnet " "fish completion: aliases"
	got=$(fish -c "source '$TOP/completions/t3-models.fish'; complete -C 't3-models show gpt-5.'" 2>&1 | cut -f1 | tr '\n' ' ')
	is "$got" "gpt-5.2 gpt-5.4 gpt-5.4-mini gpt-5.5 gpt-5.6 " "fish completion: model names"
else
	ok 0 "# SKIP fish not installed"
	ok 0 "# SKIP fish not installed"
	ok 0 "# SKIP fish not installed"
fi
t3-models rm qwen3:8b

# --- the EXAMPLES of t3-models.1 run as written -------------------------
# Commands after "$ " in literal blocks (continued after a trailing '\'
# or '|'); ssh runs the remote command against T3_HOME.HOST.
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MAN1" |
sed 's/\\e/\\/g; s/\\(aq/'"'"'/g; s/\\&//g; s/\\-/-/g' |
awk -v rcfile="$TMP/ex.rc" '
	function flush() {
		if (cmd == "") return
		n++; print cmd; printf "echo \"$? %d\" >>\"%s\"\n", n, rcfile
		split(cmd, lines, "\n"); print lines[1] > "/dev/stderr"; cmd = ""
	}
	/^\.Bd -literal/ { inblock = 1; next }
	/^\.Ed/ { flush(); inblock = 0; next }
	!inblock { next }
	cont { cmd = cmd "\n" $0; cont = ($0 ~ /[\\|][ \t]*$/); if (!cont) flush(); next }
	/^\$ / { flush(); cmd = substr($0, 3); cont = ($0 ~ /[\\|][ \t]*$/); if (!cont) flush(); next }
' >"$TMP/examples.body" 2>"$TMP/examples.list"
nex=$(grep -c '^echo "\$? ' "$TMP/examples.body")
[ "$nex" -ge 8 ]
ok $? "found the examples of t3-models.1 ($nex commands)"
{
	echo 'ssh() ( host=$1; shift; T3_HOME=$T3_HOME.$host; export T3_HOME; sh -c "$*" )'
	cat "$TMP/examples.body"
} >"$TMP/examples.sh"
mkdir "$TMP/work"
(cd "$TMP/work" && sh "$TMP/examples.sh" </dev/null >"$TMP/ex.out" 2>"$TMP/ex.err")
i=0
while read -r code num; do
	i=$((i + 1))
	ok "$code" "example: $(sed -n "${num}p" "$TMP/examples.list")"
	[ "$code" -eq 0 ] || diag "stderr of the examples:" "$(cat "$TMP/ex.err")"
done <"$TMP/ex.rc"
is "$i" "$nex" "every example ran"
grep -q '^usable$' "$TMP/ex.out"
ok $? "resolve sonnet was usable"
grep -qx 'claude-sonnet-5' "$TMP/ex.out"
ok $? "the million-token example lists claude-sonnet-5"
is "$(t3-models show qwen -q)" "qwen3:8b" "the added model and its alias"
is "$(T3_HOME=$T3_HOME.newhost t3-models show qwen -q)" "qwen3:8b" "arrived on newhost"
is "$(T3_HOME=$T3_HOME.newhost t3-models export)" "$(t3-models export)" "with the same catalog"
is "$(sql "$DDB" "SELECT user_modified FROM model_capabilities WHERE provider_name = 'openai' AND model_name = 'gpt-4o'")" \
	1 "the price example marked gpt-4o user-modified"

done_testing
