# fish completion for t3-usage(1): commands, options and their values.

set -l __t3_usage_cmds report daily weekly monthly quota export prune help
set -l __t3_usage_reports report daily weekly monthly

function __t3_usage_zones
    set -l dir /usr/share/zoneinfo
    test -n "$TZDIR"; and set dir $TZDIR
    test -d $dir; or return
    find $dir -type f -name '[A-Z]*' 2>/dev/null | string replace -- "$dir/" '' | string match -v -r '^(posix|right)/|\.tab$'
end

complete -c t3-usage -f
complete -c t3-usage -n "not __fish_seen_subcommand_from $__t3_usage_cmds" -a report -d 'totals grouped by keys'
complete -c t3-usage -n "not __fish_seen_subcommand_from $__t3_usage_cmds" -a daily -d 'report by local day'
complete -c t3-usage -n "not __fish_seen_subcommand_from $__t3_usage_cmds" -a weekly -d 'report by week'
complete -c t3-usage -n "not __fish_seen_subcommand_from $__t3_usage_cmds" -a monthly -d 'report by month'
complete -c t3-usage -n "not __fish_seen_subcommand_from $__t3_usage_cmds" -a quota -d 'allowance, quota left, share used'
complete -c t3-usage -n "not __fish_seen_subcommand_from $__t3_usage_cmds" -a export -d 'raw rows as NDJSON or CSV'
complete -c t3-usage -n "not __fish_seen_subcommand_from $__t3_usage_cmds" -a prune -d 'delete old rows'
complete -c t3-usage -n "not __fish_seen_subcommand_from $__t3_usage_cmds" -a help -d "print the usage, or one command's synopsis"
complete -c t3-usage -n "__fish_seen_subcommand_from help" -x -a 'report daily weekly monthly quota export prune'

complete -c t3-usage -l user-db -r -F -d 'user database'
complete -c t3-usage -l data-db -r -F -d 'data database'
complete -c t3-usage -l json -d 'JSON array'
complete -c t3-usage -l jsonl -d 'one JSON object per line'
complete -c t3-usage -l tsv -d 'tab-separated'
complete -c t3-usage -l csv -d 'CSV'
complete -c t3-usage -s q -l quiet -d 'first column only'
complete -c t3-usage -s h -l help -d 'print the commands, or the command\'s synopsis, and exit'
complete -c t3-usage -l version -d 'version'

complete -c t3-usage -n "__fish_seen_subcommand_from report" -l by -x -a 'user model provider status chat purpose hour day week month window' -d 'group by (comma list)'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports quota export" -l user -x -d 'email or user id'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l model -x -d 'model name'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l provider -x -d 'provider name'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l status -x -a 'error success quota_exceeded rate_limited network stalled incomplete stream_error malformed empty interrupted' -d 'status code'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports export" -l since -x -a 'today yesterday 7d 30d this-month last-month' -d 'from the start of'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports export" -l until -x -a 'today yesterday this-month last-month' -d 'to the end of'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l last -x -d 'the last N periods'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_cmds" -l tz -x -a '(__t3_usage_zones)' -d 'one zone for every user'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_cmds" -l utc -d 'UTC for every user'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l week-start -x -a 'monday tuesday wednesday thursday friday saturday sunday' -d 'first day of a week'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l breakdown -d 'by model too'
complete -c t3-usage -n "__fish_seen_subcommand_from report" -l window -x -a '1h 4h 5h 1d' -d 'rolling blocks'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l chart -d 'bar chart'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l cost -d 'chart the cost'
complete -c t3-usage -n "__fish_seen_subcommand_from $__t3_usage_reports" -l ascii -d 'chart in ASCII'
complete -c t3-usage -n "__fish_seen_subcommand_from quota" -l over -x -d 'users past PCT; exit 1'
complete -c t3-usage -n "__fish_seen_subcommand_from prune" -l before -x -a 'today this-month last-month' -d 'delete rows before'
complete -c t3-usage -n "__fish_seen_subcommand_from prune" -l archive -r -F -d 'append them to FILE first'
