#!/bin/sh
# The shipped catalog: loaded by any tool's first use of data.db, every
# model resolves and has a price, deprecated ones name a replacement
# that resolves, and share/models.tsv is what mkcatalog.sh makes.
. "$(dirname "$0")/lib.sh"

TOP=$TESTDIR/..
CATALOG=$TOP/share/models.tsv

# --- the file ---------------------------------------------------------------
like "$CATALOG" '^# t3 model catalog	version=[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "the catalog has a version line"
like "$CATALOG" '^# source: litellm .*commit [0-9a-f]{40}, read [0-9]{4}-[0-9]{2}-[0-9]{2}' \
	"it keeps the source and the date"
if [ -f "$TOP/../shared/data/model-catalog.tsv" ]; then
	(cd "$TOP" && sh share/mkcatalog.sh) >"$TMP/models.tsv"
	cmp -s "$TMP/models.tsv" "$CATALOG"
	ok $? "share/models.tsv is the output of share/mkcatalog.sh"
else
	ok 0 "# SKIP ../shared/data/model-catalog.tsv not present"
fi

# --- first use by another tool loads it too ---------------------------------
if [ -x "$T3_BINDIR/t3-user" ]; then
	t3-user check >/dev/null 2>&1
	is "$(sql "$DDB" 'SELECT count(*) FROM model_capabilities')" 68 "t3-user's first use of data.db loads the catalog"
	is "$(sql "$DDB" 'SELECT count(*) FROM model_aliases')" 11 "and the shipped aliases"
else
	t3-models list >/dev/null
	ok 0 "# SKIP t3-user not built"
	ok 0 "# SKIP t3-user not built"
fi
run t3-models list --all -q
is "$(wc -l <"$OUT" | tr -d ' ')" 68 "t3-models sees the same rows"

# --- every shipped model resolves and has a price ----------------------------
n=0 bad=
for name in $(t3-models list --all -q); do
	n=$((n + 1))
	row=$(t3-models show "$name" --tsv 2>&1 | sed -n 2p)
	# TSV columns: 2 provider_name, 3 model_name, 8 input, 9 output, 12 blended
	provider_got=$(printf '%s\n' "$row" | cut -f2)
	name_got=$(printf '%s\n' "$row" | cut -f3)
	for p in $(printf '%s\n' "$row" | cut -f8,9,12 | tr '\t' ' ') -; do
		case $p in
		-) ;;
		*[!0-9.]*|'') bad="$bad $name(price '$p')" ;;	# plain decimal, no exponent
		esac
	done
	[ "$(printf '%s\n' "$row" | cut -f8,9,12 | tr -cd '\t')" = "$(printf '\t\t')" ] &&
	[ -n "$(printf '%s\n' "$row" | cut -f8)" ] && [ -n "$(printf '%s\n' "$row" | cut -f9)" ] &&
	[ -n "$(printf '%s\n' "$row" | cut -f12)" ] || bad="$bad $name(no price)"
	[ "$name_got" = "$name" ] || [ "$provider_got/$name_got" = "$name" ] ||
		bad="$bad $name(shows as '$provider_got/$name_got')"
done
is "$n" 68 "looped over every shipped model"
is "$bad" "" "each one shows under its -q name with input, output and blended prices"

active=0 refused=0 bad=
for name in $(t3-models list --all -q); do
	got=$(t3-models resolve "$name" 2>"$TMP/rerr")
	case $? in
	0) active=$((active + 1)); [ "$got" = "$name" ] || bad="$bad $name->$got" ;;
	6) refused=$((refused + 1))
	   repl=$(sed -n "s/.*; use '\(.*\)'\$/\1/p" "$TMP/rerr")
	   if [ -z "$repl" ]; then bad="$bad $name(no replacement)"
	   elif ! t3-models resolve "$repl" >/dev/null 2>&1; then bad="$bad $name(replacement $repl)"; fi ;;
	*) bad="$bad $name(rc $?)" ;;
	esac
done
is "$active $refused" "63 5" "63 models resolve, the 5 deprecated ones exit 6"
is "$bad" "" "each deprecated model names a replacement that resolves"

for a in $(t3-models aliases -q); do
	t3-models resolve "$a" >/dev/null 2>&1 || bad="$bad $a"
done
is "$bad" "" "every shipped alias resolves to a usable model"

# --- local models need no key and cost nothing --------------------------------
is "$(sql "$DDB" "SELECT group_concat(model_name, ' ') FROM (SELECT model_name FROM model_capabilities WHERE provider_name = 'ollama' ORDER BY model_name)")" \
	"deepseek-r1 gemma3 llama3.1 llama3.2 mistral qwen2.5" "the ollama models"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE provider_name IN ('ollama', 'echo') AND (api <> (CASE provider_name WHEN 'echo' THEN 'echo' ELSE 'openai' END) OR usd_per_1k_tokens <> 0)")" \
	0 "speak the openai or echo API at price 0"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE api = 'anthropic' AND provider_name <> 'anthropic' OR api = 'gemini' AND provider_name <> 'gemini'")" \
	0 "only the native providers use the anthropic and gemini APIs"

done_testing
