# bash completion for t3-usage(1)                               -*- sh -*-
#
# Completes commands, their options, --by keys (after a comma too), days
# for --week-start, zones for --tz (from the tz database) and files.

_t3_usage_zones()
{
	local dir=${TZDIR:-/usr/share/zoneinfo}
	[[ -d $dir ]] || return
	(cd "$dir" && find . -type f -name '[A-Z]*' 2>/dev/null | sed 's|^\./||' |
		grep -v -e '^posix/' -e '^right/' -e '\.tab$')
}

_t3_usage()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i w skip=0
	local keys="user model provider status chat purpose hour day week month window"
	local -a opts
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if ((skip)); then
			skip=0
			continue
		fi
		case $w in
		--user-db | --data-db | --by | --user | --model | --provider | --status | \
			--since | --until | --last | --tz | --week-start | --window | --over | \
			--before | --archive)
			skip=1
			;;
		-*) ;;
		*) [[ -z $cmd ]] && cmd=$w ;;
		esac
	done

	case $prev in
	--by)
		local done=${cur%,*} last=${cur##*,}
		if [[ $cur == *,* ]]; then
			COMPREPLY=($(compgen -P "$done," -W "$keys" -- "$last"))
		else
			COMPREPLY=($(compgen -W "$keys" -- "$cur"))
		fi
		compopt -o nospace 2>/dev/null
		return 0
		;;
	--week-start)
		COMPREPLY=($(compgen -W "monday tuesday wednesday thursday friday saturday sunday" -- "$cur"))
		return 0
		;;
	--tz)
		COMPREPLY=($(compgen -W "$(_t3_usage_zones)" -- "$cur"))
		return 0
		;;
	--since | --until | --before)
		COMPREPLY=($(compgen -W "today yesterday 7d 30d this-month last-month" -- "$cur"))
		return 0
		;;
	--status)
		COMPREPLY=($(compgen -W "error success quota_exceeded rate_limited network stalled incomplete stream_error malformed empty interrupted" -- "$cur"))
		return 0
		;;
	--window)
		COMPREPLY=($(compgen -W "1h 4h 5h 1d" -- "$cur"))
		return 0
		;;
	--user-db | --data-db | --archive)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return 0
		;;
	--user | --model | --provider | --last | --over)
		return 0
		;;
	esac

	if [[ $cur == -* ]]; then
		opts=(--user-db --data-db --json --jsonl --tsv --csv -q --quiet -h --help --version)
		local filters="--user --model --provider --status --since --until --tz --utc --week-start"
		case $cmd in
		report) opts+=(--by $filters --last --breakdown --window --chart --cost --ascii) ;;
		daily | weekly | monthly) opts+=($filters --last --breakdown --chart --cost --ascii) ;;
		quota) opts+=(--user --over --tz --utc) ;;
		export) opts+=(--user --since --until --tz --utc) ;;
		prune) opts+=(--before --archive --tz --utc) ;;
		esac
		COMPREPLY=($(compgen -W "${opts[*]}" -- "$cur"))
	elif [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "report daily weekly monthly quota export prune help" -- "$cur"))
	fi
	return 0
}
complete -F _t3_usage t3-usage
