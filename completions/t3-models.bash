# bash completion for t3-models(1)                              -*- sh -*-
#
# Completes commands, their options and values, and model names and
# aliases taken from the database (t3-models list --all -q, aliases -q).
# The data.db named by --data-db on the line, or by the environment, is
# asked, and only when it exists: completing must not create one. Without
# one (a fresh install) the catalog built into t3-models is listed
# (list --shipped, aliases --shipped), which opens no database.

_t3_models_query()
{
	local i db= prog=${_t3_models_words[0]}
	local -a q=("$prog")
	for ((i = 1; i < ${#_t3_models_words[@]} - 1; i++)); do
		if [[ ${_t3_models_words[i]} == --data-db ]]; then
			db=${_t3_models_words[i + 1]/#\~/$HOME}
			q=("$prog" --data-db "$db")
		fi
	done
	if [[ -z $db ]]; then
		if [[ -n ${T3_DATA_DB-} ]]; then db=$T3_DATA_DB
		elif [[ -n ${T3_HOME-} ]]; then db=$T3_HOME/data.db
		elif [[ -n ${XDG_DATA_HOME-} ]]; then db=$XDG_DATA_HOME/t3/data.db
		else db=$HOME/.local/share/t3/data.db
		fi
	fi
	if [[ ! -f $db ]]; then
		"$prog" "$@" --shipped 2>/dev/null </dev/null
		return
	fi
	"${q[@]}" "$@" 2>/dev/null </dev/null
}

_t3_models_names()
{
	_t3_models_query list --all -q
	_t3_models_query aliases -q
}

_t3_models_providers()
{
	_t3_models_query list --all --tsv | tail -n +2 | cut -f2 | sort -u
}

_t3_models()
{
	local line cur pre cmd i w npos=0 skip=0
	local -a words opts _t3_models_words

	# Split the line ourselves: COMP_WORDBREAKS usually holds ':', which
	# would cut model names such as qwen3:8b.
	if [[ -n ${COMP_LINE-} ]]; then
		line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
		read -ra words <<<"$line"
		[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	else
		words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
	fi
	_t3_models_words=("${words[@]}")
	cur=${words[${#words[@]} - 1]}
	COMPREPLY=()

	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		w=${words[i]}
		if ((skip)); then
			skip=0
			continue
		fi
		case $w in
		--user-db | --data-db | --provider | --supports | --max-price | --sort | \
			--api | --context | --max-output | --input-price | --output-price | \
			--reasoning-price | --cached-price | --deprecation-date | --replacement | \
			--format)
			skip=1
			;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then cmd=$w; else npos=$((npos + 1)); fi
			;;
		esac
	done

	if ((skip)); then
		case ${words[${#words[@]} - 2]} in
		--provider) COMPREPLY=($(compgen -W "$(_t3_models_providers)" -- "$cur")) ;;
		--supports) COMPREPLY=($(compgen -W "images pdfs multimodal reasoning tools" -- "$cur")) ;;
		--sort) COMPREPLY=($(compgen -W "name price context" -- "$cur")) ;;
		--api) COMPREPLY=($(compgen -W "openai anthropic gemini echo" -- "$cur")) ;;
		--format) COMPREPLY=($(compgen -W "json tsv" -- "$cur")) ;;
		--max-output | --reasoning-price | --cached-price | --deprecation-date)
			COMPREPLY=($(compgen -W "none" -- "$cur"))
			;;
		--replacement)
			COMPREPLY=($(compgen -W "none $(_t3_models_query list --all -q)" -- "$cur"))
			;;
		--user-db | --data-db)
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
			;;
		esac
	elif [[ $cur == -* ]]; then
		opts=(--user-db --data-db --json --jsonl --tsv --csv -q --quiet --help --version)
		local fields="--api --context --max-output --input-price --output-price
			--reasoning-price --cached-price --images --no-images --pdfs --no-pdfs
			--multimodal --no-multimodal --reasoning --no-reasoning --tools --no-tools
			--deprecation-date --replacement --enabled --disabled"
		case $cmd in
		list) opts+=(--all --provider --supports --max-price --sort --shipped) ;;
		aliases) opts+=(--shipped) ;;
		add | set) opts+=($fields) ;;
		rm | alias) opts+=(--force -f) ;;
		export) opts+=(--format) ;;
		import) opts+=(--format --replace --force -f) ;;
		sync) opts+=(--force -f --dry-run --provider --context) ;;
		esac
		COMPREPLY=($(compgen -W "${opts[*]}" -- "$cur"))
	elif [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "list show resolve add set enable disable rm export import alias unalias aliases sync help" -- "$cur"))
	else
		case $cmd in
		show | enable | disable | rm)
			COMPREPLY=($(compgen -W "$(_t3_models_names)" -- "$cur"))
			;;
		set | resolve)
			((npos == 0)) && COMPREPLY=($(compgen -W "$(_t3_models_names)" -- "$cur"))
			;;
		alias)
			((npos == 1)) && COMPREPLY=($(compgen -W "$(_t3_models_names)" -- "$cur"))
			;;
		unalias)
			COMPREPLY=($(compgen -W "$(_t3_models_query aliases -q)" -- "$cur"))
			;;
		add)
			((npos == 0)) && COMPREPLY=($(compgen -W "$(_t3_models_providers)" -- "$cur"))
			;;
		import)
			((npos == 0)) && COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
			;;
		esac
	fi

	# Bash replaces only the part of the word after its last character
	# from COMP_WORDBREAKS (usually ':' or '='): drop what comes before it.
	if [[ -n ${COMP_LINE-} ]]; then
		for ((i = ${#cur} - 1; i >= 0; i--)); do
			if [[ ${COMP_WORDBREAKS-} == *"${cur:i:1}"* ]]; then
				pre=${cur:0:i+1}
				COMPREPLY=("${COMPREPLY[@]#"$pre"}")
				break
			fi
		done
	fi
	return 0
}

complete -F _t3_models t3-models
