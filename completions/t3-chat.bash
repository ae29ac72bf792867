# bash completion for t3-chat(1)                                -*- sh -*-
#
# Completes options, model names and aliases (t3-models list -q, t3-models
# aliases -q), reasoning efforts and the email addresses of existing users
# (t3-user list --tsv). The databases named by --data-db and --user-db on
# the line, or by the environment, are asked, and only when they already
# exist: pressing Tab never creates a database.

# The path a database would have, as t3-chat resolves it (see t3(7),
# FILES): $1 is the file name, $2 the option value from the line, $3 the
# environment variable's value.
_t3_chat_db_path()
{
	if [[ -n $2 ]]; then echo "$2"
	elif [[ -n $3 ]]; then echo "$3"
	elif [[ -n ${T3_HOME-} ]]; then echo "$T3_HOME/$1"
	elif [[ -n ${XDG_DATA_HOME-} ]]; then echo "$XDG_DATA_HOME/t3/$1"
	else echo "$HOME/.local/share/t3/$1"
	fi
}

# A sibling tool of the t3-chat typed: bin/t3-chat gives bin/t3-models.
_t3_chat_tool()
{
	local cmd=${_t3_chat_words[0]}
	if [[ $cmd == */t3-chat ]]; then
		echo "${cmd%t3-chat}$1"
	else
		echo "$1"
	fi
}

# The value of option $1 on the line (the last one), ~ expanded.
_t3_chat_optval()
{
	local i v=
	for ((i = 1; i < ${#_t3_chat_words[@]} - 1; i++)); do
		[[ ${_t3_chat_words[i]} == "$1" ]] && v=${_t3_chat_words[i + 1]}
	done
	echo "${v/#\~/$HOME}"
}

# Run the sibling tool $1 on the database named by its option $2 ($3 the
# file name, $4 the environment variable's value) with the arguments
# after, only when that database exists: completing must not create one.
_t3_chat_query()
{
	local tool opt=$2 db
	db=$(_t3_chat_db_path "$3" "$(_t3_chat_optval "$opt")" "$4")
	[[ -f $db ]] || return
	tool=$(_t3_chat_tool "$1")
	shift 4
	"$tool" "$opt" "$db" "$@" 2>/dev/null </dev/null
}

_t3_chat_models()
{
	_t3_chat_query t3-models --data-db data.db "${T3_DATA_DB-}" list -q
	_t3_chat_query t3-models --data-db data.db "${T3_DATA_DB-}" aliases -q
}

# The catalog's providers: what --server-models asks about.
_t3_chat_providers()
{
	_t3_chat_query t3-models --data-db data.db "${T3_DATA_DB-}" list --all --tsv |
		tail -n +2 | cut -f2 | sort -u
}

_t3_chat_users()
{
	_t3_chat_query t3-user --user-db user.db "${T3_USER_DB-}" list --tsv | tail -n +2 | cut -f2
}

_t3_chat()
{
	local line cur prev pre i
	local -a words _t3_chat_words

	# Split the line ourselves: COMP_WORDBREAKS usually holds '@' and ':',
	# which would cut emails and model names such as llama3.2:3b apart.
	if [[ -n ${COMP_LINE-} ]]; then
		line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
		read -ra words <<<"$line"
		[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	else
		words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
	fi
	_t3_chat_words=("${words[@]}")
	cur=${words[${#words[@]} - 1]}
	prev=
	((${#words[@]} > 1)) && prev=${words[${#words[@]} - 2]}
	COMPREPLY=()

	# After "--" everything is prompt.
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		[[ ${words[i]} == -- ]] && return 0
	done

	# the history modes: see the block at the end of this file
	_t3_chat_history "$cur" "$prev" && return 0

	case $prev in
	-m | --model)
		COMPREPLY=($(compgen -W "$(_t3_chat_models)" -- "$cur"))
		;;
	--user)
		COMPREPLY=($(compgen -W "$(_t3_chat_users)" -- "$cur"))
		;;
	--reasoning-effort)
		COMPREPLY=($(compgen -W "low medium high" -- "$cur"))
		;;
	-o | --option)
		COMPREPLY=($(compgen -S = -W "top_p top_k seed stop frequency_penalty presence_penalty" -- "$cur"))
		compopt -o nospace 2>/dev/null
		;;
	--role | --rm-role | --save-role)
		;;
	--server-models)
		COMPREPLY=($(compgen -W "$(_t3_chat_providers)" -- "$cur"))
		;;
	-a | --attach | --user-db | --data-db)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		;;
	-s | --system | --chat | --temperature | --max-tokens | --retries | --timeout | \
	--title | --from | --branch)
		;;
	*)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-m --model -s --system -a --attach -c --continue --chat
				--user --temperature --max-tokens --reasoning-effort
				--show-reasoning --no-stream --json --jsonl -u --usage
				-n --no-log -v --verbose --retries --timeout --user-db
				--data-db --help --version --title --no-title --from
				--retry --branch -o --option --role --save-role
				--roles --rm-role --server-models $_t3_chat_history_opts" -- "$cur"))
		fi
		;;
	esac

	# Bash replaces only the part of the word after its last character
	# from COMP_WORDBREAKS (usually '@', ':' or '='): drop what comes
	# before it.
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

# ---- the history modes: --list, --show, --search, --rm, --rename,
# --export, --import (t3-chat(1), CHAT HISTORY) ----

_t3_chat_history_opts="-l --list --show --search --rm --rename --export --import
	--since --until --older-than -y --yes --format -q"

# The acting user's 30 most recent chats, "ID<tab>TITLE" a line, only when
# both databases exist.
_t3_chat_history_ids()
{
	local udb ddb tool user
	udb=$(_t3_chat_db_path user.db "$(_t3_chat_optval --user-db)" "${T3_USER_DB-}")
	ddb=$(_t3_chat_db_path data.db "$(_t3_chat_optval --data-db)" "${T3_DATA_DB-}")
	[[ -f $udb && -f $ddb ]] || return
	tool=$(_t3_chat_tool t3-chat)
	user=$(_t3_chat_optval --user)
	"$tool" --user-db "$udb" --data-db "$ddb" ${user:+--user "$user"} --list --tsv -n 30 \
		2>/dev/null </dev/null | tail -n +2 | cut -f1,5
}

# Complete $1 (after $2) when a history mode is on the line: chat ids,
# shown with their titles while several match; 1 when it is not for us.
_t3_chat_history()
{
	local cur=$1 prev=$2 w mode= id title
	local -a ids=() titles=()
	for w in "${_t3_chat_words[@]:1:${#_t3_chat_words[@]}-2}"; do
		case $w in
		--) return 1 ;;
		-l | --list | --show | --search | --rm | --rename | --export | --import) mode=$w ;;
		esac
	done
	[[ -n $mode ]] || return 1
	case $prev in
	--format) COMPREPLY=($(compgen -W "text md json" -- "$cur")); return 0 ;;
	--since | --until | --older-than | -n) return 0 ;;
	-m | --user | --user-db | --data-db) return 1 ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$_t3_chat_history_opts -m -n --user --user-db --data-db
			--json --jsonl --tsv --csv --help" -- "$cur"))
		return 0
	fi
	case $mode in
	--import) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return 0 ;;
	-l | --list | --search) return 0 ;;
	esac
	while IFS=$'\t' read -r id title; do
		[[ $id == "$cur"* ]] && ids+=("$id") && titles+=("$title")
	done < <(_t3_chat_history_ids)
	if ((${#ids[@]} == 1)); then
		COMPREPLY=("${ids[0]}")
	else
		for ((w = 0; w < ${#ids[@]}; w++)); do
			COMPREPLY+=("${ids[w]}  ${titles[w]}")
		done
	fi
	return 0
}

complete -F _t3_chat t3-chat
