#!/bin/sh
# mkcatalog.sh [SRC] > share/models.tsv
# Builds t3's shipped model catalog from the project's model facts table
# (../shared/data/model-catalog.tsv, litellm figures; see its README) plus
# local entries that need no key (ollama, echo). Prices become USD per 1k
# tokens; usd_per_1k_tokens is the blended 3:1 input:output price.
# Bump VERSION whenever the output changes: `t3-models sync` compares it.
set -eu
SRC=${1:-../shared/data/model-catalog.tsv}
VERSION=2026.12.06.1
printf '# t3 model catalog\tversion=%s\n' "$VERSION"
printf '# source: litellm model_prices_and_context_window.json, commit 00035b69f416be24e2e323c13198d9b7d2d1bdf9, read 2026-11-25 (figures as of mid-July 2026); local entries added by t3\n'
# default aliases, "# alias<TAB>NAME<TAB>PROVIDER/MODEL" (t3-models(1))
for a in sonnet=anthropic/claude-sonnet-5 opus=anthropic/claude-opus-4-8 \
	haiku=anthropic/claude-haiku-4-5-20251001 4o=openai/gpt-4o \
	4o-mini=openai/gpt-4o-mini gpt5=openai/gpt-5 flash=gemini/gemini-2.5-flash \
	pro=gemini/gemini-2.5-pro grok=xai/grok-4 deepseek=deepseek/deepseek-chat \
	llama=ollama/llama3.2; do
	printf '# alias\t%s\t%s\n' "${a%%=*}" "${a#*=}"
done
printf 'provider_name\tmodel_name\tapi\tmax_token_limit\tmax_output_tokens\tinput_usd_per_1k\toutput_usd_per_1k\treasoning_usd_per_1k\tcached_usd_per_1k\tusd_per_1k_tokens\tsupports_images\tsupports_pdfs\tmultimodal_input\treasoning_enabled\tsupports_tools\tdeprecation_date\treplacement\n'
awk -F'\t' -v OFS='\t' '
function k(x) { return x == "" ? "" : sprintf("%.10g", x * 1000) }
function b(x) { return x == "1" ? 1 : 0 }
BEGIN {
	rep["claude-3-7-sonnet-20250219"] = "claude-sonnet-4-6"
	rep["claude-sonnet-4-20250514"] = "claude-sonnet-4-6"
	rep["claude-opus-4-20250514"] = "claude-opus-4-6"
	rep["claude-opus-4-1-20250805"] = "claude-opus-4-6"
	rep["gemini-2.0-flash"] = "gemini-2.5-flash"
}
NR == 1 { next }
{
	api = $1 == "anthropic" ? "anthropic" : $1 == "gemini" ? "gemini" : "openai"
	in1k = $5 * 1000; out1k = $6 * 1000
	print $1, $2, api, $3, $4, k($5), k($6), k($7), k($8),
	      sprintf("%.10g", (3 * in1k + out1k) / 4),
	      b($9), b($10), b($9), b($11), b($12), $14, rep[$2]
}' "$SRC"
# local models: an OpenAI-compatible Ollama server, price 0, no key
for m in llama3.2 llama3.1 qwen2.5 mistral gemma3 deepseek-r1; do
	r=0; [ "$m" = deepseek-r1 ] && r=1
	printf 'ollama\t%s\topenai\t131072\t\t0\t0\t\t\t0\t0\t0\t0\t%s\t0\t\t\n' "$m" "$r"
done
# the offline demo and test model built into t3-chat; it takes images and
# PDFs (it names them in its answer: t3-chat(1), ATTACHMENTS)
printf 'echo\techo\techo\t1000000\t\t0\t0\t\t\t0\t1\t1\t1\t0\t0\t\t\n'
