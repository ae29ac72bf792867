# bash completion for t3-user(1)                                -*- sh -*-
#
# Completes commands, their options, plan names (t3-user plan list -q),
# time zones (the tz database under $TZDIR or /usr/share/zoneinfo) and the
# email addresses of existing users (t3-user list --tsv). The databases
# named by --user-db on the line, or by the environment, are asked.

# Run t3-user (as typed, with the --user-db of the line) only when that
# database exists: completing must not create one. The path is resolved
# as t3-user does (see t3(7), FILES).
_t3_user_query()
{
	local i db= prog=${_t3_user_words[0]}
	local -a q=("$prog")
	for ((i = 1; i < ${#_t3_user_words[@]} - 1; i++)); do
		if [[ ${_t3_user_words[i]} == --user-db ]]; then
			db=${_t3_user_words[i + 1]/#\~/$HOME}
			q=("$prog" --user-db "$db")
		fi
	done
	if [[ -z $db ]]; then
		if [[ -n ${T3_USER_DB-} ]]; then db=$T3_USER_DB
		elif [[ -n ${T3_HOME-} ]]; then db=$T3_HOME/user.db
		elif [[ -n ${XDG_DATA_HOME-} ]]; then db=$XDG_DATA_HOME/t3/user.db
		else db=$HOME/.local/share/t3/user.db
		fi
	fi
	[[ -f $db ]] || return
	"${q[@]}" "$@" 2>/dev/null </dev/null
}

_t3_user_plans()
{
	_t3_user_query plan list -q
}

_t3_user_emails()
{
	_t3_user_query list --tsv | tail -n +2 | cut -f2
}

_t3_user_timezones()
{
	local dir=${TZDIR:-/usr/share/zoneinfo}
	[[ -d $dir ]] || return
	echo UTC
	(cd "$dir" && find . -type f ! -name '*.*' ! -path './posix/*' \
		! -path './right/*' ! -name posixrules ! -name localtime \
		! -name leapseconds ! -name SECURITY ! -name Factory 2>/dev/null) |
		sed 's|^\./||'
}

_t3_user()
{
	local line cur pre cmd sub i w npos=0 skip=0
	local -a words opts
	local -a _t3_user_words

	# Split the line ourselves: COMP_WORDBREAKS usually holds '@' and ':',
	# which would cut emails and OAuth identities into pieces.
	if [[ -n ${COMP_LINE-} ]]; then
		line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
		read -ra words <<<"$line"
		[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	else
		words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
	fi
	_t3_user_words=("${words[@]}")
	cur=${words[${#words[@]} - 1]}
	COMPREPLY=()

	# Find the command (and plan's subcommand) and count the positional
	# arguments before the current word.
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		w=${words[i]}
		if ((skip)); then
			skip=0
			continue
		fi
		case $w in
		--user-db | --data-db | --plan | --quota | --timezone | --email | \
			--oauth | --add | --set | --description)
			skip=1
			;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=$w
			elif [[ $cmd == plan && -z $sub ]]; then
				sub=$w
			else
				npos=$((npos + 1))
			fi
			;;
		esac
	done

	# The value of an option.
	if ((skip)); then
		case ${words[${#words[@]} - 2]} in
		--plan)
			COMPREPLY=($(compgen -W "$(_t3_user_plans)" -- "$cur"))
			;;
		--timezone)
			COMPREPLY=($(compgen -W "$(_t3_user_timezones)" -- "$cur"))
			;;
		--email)
			[[ $cmd == set ]] ||
				COMPREPLY=($(compgen -W "$(_t3_user_emails)" -- "$cur"))
			;;
		--oauth)
			COMPREPLY=($(compgen -S : -W "apple github google microsoft" -- "$cur"))
			compopt -o nospace 2>/dev/null
			;;
		--user-db | --data-db)
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
			;;
		esac
	elif [[ $cur == -* ]]; then
		opts=(--user-db --data-db --json --jsonl --tsv --csv -q --quiet -h --help --version)
		case $cmd in
		add) opts+=(--plan --quota --timezone --password-stdin --oauth) ;;
		list | export) opts+=(--plan --email) ;;
		set) opts+=(--plan --quota --timezone --email) ;;
		passwd) opts+=(--password-stdin --oauth --clear) ;;
		verify) opts+=(--password-stdin) ;;
		quota) opts+=(--add --set --refill --all) ;;
		rm) opts+=(--yes -y) ;;
		check) opts+=(--repair) ;;
		plan) [[ $sub == set ]] && opts+=(--description) ;;
		esac
		COMPREPLY=($(compgen -W "${opts[*]}" -- "$cur"))
	elif [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "add list show set passwd verify quota rm export import check plan help" -- "$cur"))
	else
		case $cmd in
		show | rm)
			COMPREPLY=($(compgen -W "$(_t3_user_emails)" -- "$cur"))
			;;
		set | passwd | verify | quota)
			((npos == 0)) &&
				COMPREPLY=($(compgen -W "$(_t3_user_emails)" -- "$cur"))
			;;
		help)
			((npos == 0)) && COMPREPLY=($(compgen -W "add list show set passwd verify quota rm export import check plan" -- "$cur"))
			;;
		import)
			((npos == 0)) && COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
			;;
		plan)
			if [[ -z $sub ]]; then
				COMPREPLY=($(compgen -W "list set rm" -- "$cur"))
			elif [[ ($sub == rm || $sub == set) && $npos -eq 0 ]]; then
				COMPREPLY=($(compgen -W "$(_t3_user_plans)" -- "$cur"))
			fi
			;;
		esac
	fi

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

complete -F _t3_user t3-user
