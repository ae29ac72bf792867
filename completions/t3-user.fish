# fish completion for t3-user(1): commands, options, plan names
# (t3-user plan list -q), time zones (the tz database) and the email
# addresses of existing users (t3-user list --tsv).

# Run t3-user with the --user-db of the command line, only when that
# database exists: completing must not create one.
function __t3_user_query
    set -l tokens (commandline -opc)
    set -l cmd $tokens[1]
    set -l db
    set -l i 2
    while test $i -lt (count $tokens)
        if test "$tokens[$i]" = --user-db
            set db (string replace -r -- '^~(?=/|$)' $HOME $tokens[(math $i + 1)])
        end
        set i (math $i + 1)
    end
    if test -n "$db"
        set cmd $cmd --user-db $db
    else if test -n "$T3_USER_DB"
        set db $T3_USER_DB
    else if test -n "$T3_HOME"
        set db $T3_HOME/user.db
    else if test -n "$XDG_DATA_HOME"
        set db $XDG_DATA_HOME/t3/user.db
    else
        set db $HOME/.local/share/t3/user.db
    end
    test -f "$db"; or return 1
    $cmd $argv 2>/dev/null </dev/null
end

function __t3_user_plans
    __t3_user_query plan list -q
end

function __t3_user_emails
    __t3_user_query list --tsv | tail -n +2 | cut -f2
end

function __t3_user_timezones
    set -l dir /usr/share/zoneinfo
    set -q TZDIR; and test -n "$TZDIR"; and set dir $TZDIR
    test -d $dir; or return
    echo UTC
    find $dir -type f ! -name '*.*' ! -path "$dir/posix/*" ! -path "$dir/right/*" \
        ! -name posixrules ! -name localtime ! -name leapseconds ! -name SECURITY \
        ! -name Factory 2>/dev/null | string replace -- "$dir/" ''
end

# The words of the command line that are not options or option values:
# the command, plan's subcommand, then the arguments.
function __t3_user_words
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --user-db --data-db --plan --quota --timezone --email --oauth --add --set --description
                set skip 1
            case '-*'
            case '*'
                echo $t
        end
    end
end

# True when a command has been given.
function __t3_user_command
    set -l words (__t3_user_words)
    set -q words[1]
end

# True when the command is $argv[1] (and, for plan, its subcommand is
# $argv[2]).
function __t3_user_is
    set -l words (__t3_user_words)
    test (count $words) -ge (count $argv); or return 1
    for i in (seq (count $argv))
        test "$words[$i]" = "$argv[$i]"; or return 1
    end
    return 0
end

# How many of those words there are, the command (and plan's subcommand)
# included.
function __t3_user_nargs
    count (__t3_user_words)
end

complete -c t3-user -f

# Global options.
complete -c t3-user -l user-db -r -F -d 'user database'
complete -c t3-user -l data-db -r -F -d 'chat and usage database'
complete -c t3-user -l json -d 'JSON: an array, or an object for one record'
complete -c t3-user -l jsonl -d 'one JSON object per line'
complete -c t3-user -l tsv -d 'tab-separated values with a header'
complete -c t3-user -l csv -d 'comma-separated values with a header'
complete -c t3-user -s q -l quiet -d 'keys only, one per line'
complete -c t3-user -s h -l help -d 'print the commands, or the command\'s synopsis, and exit'
complete -c t3-user -l version -d 'print the version and exit'

# Commands.
complete -c t3-user -n "not __t3_user_command" -a add -d 'create an account'
complete -c t3-user -n "not __t3_user_command" -a list -d 'list accounts'
complete -c t3-user -n "not __t3_user_command" -a show -d 'show accounts (from stdin when none given)'
complete -c t3-user -n "not __t3_user_command" -a set -d 'change plan, quota, time zone or email'
complete -c t3-user -n "not __t3_user_command" -a passwd -d 'set, replace or clear the password'
complete -c t3-user -n "not __t3_user_command" -a verify -d 'check a password (exit 0 on match)'
complete -c t3-user -n "not __t3_user_command" -a quota -d 'show or change the token quota'
complete -c t3-user -n "not __t3_user_command" -a rm -d 'delete accounts with their chats and usage'
complete -c t3-user -n "not __t3_user_command" -a export -d 'write accounts as NDJSON'
complete -c t3-user -n "not __t3_user_command" -a import -d 'read accounts as NDJSON, all or nothing'
complete -c t3-user -n "not __t3_user_command" -a check -d 'audit cross-database references'
complete -c t3-user -n "not __t3_user_command" -a plan -d 'list, set or remove plans'
complete -c t3-user -n "not __t3_user_command" -a help -d "print the usage, or one command's synopsis"
complete -c t3-user -n "__t3_user_is help" -x -a 'add list show set passwd verify quota rm export import check plan'

# add EMAIL [--plan PLAN] [--quota N] [--timezone TZ] [--password-stdin | --oauth P:S]
complete -c t3-user -n "__t3_user_is add; or __t3_user_is set; or __t3_user_is list; or __t3_user_is export" \
    -l plan -x -a "(__t3_user_plans)" -d plan
complete -c t3-user -n "__t3_user_is add; or __t3_user_is set" -l quota -x -d 'token quota'
complete -c t3-user -n "__t3_user_is add; or __t3_user_is set" -l timezone -x -a "(__t3_user_timezones)" -d 'time zone'
complete -c t3-user -n "__t3_user_is add; or __t3_user_is passwd; or __t3_user_is verify" \
    -l password-stdin -d 'read the password from stdin'
complete -c t3-user -n "__t3_user_is add; or __t3_user_is passwd" -l oauth -x \
    -a "apple: github: google: microsoft:" -d 'OAuth identity PROVIDER:SUBJECT'

# list/export [--plan PLAN] [--email GLOB]; set --email NEW
complete -c t3-user -n "__t3_user_is list; or __t3_user_is export" -l email -x -a "(__t3_user_emails)" -d 'email glob'
complete -c t3-user -n "__t3_user_is set" -l email -x -d 'new email'

# passwd --clear
complete -c t3-user -n "__t3_user_is passwd" -l clear -d 'remove the password'

# quota USER [--add N | --set N | --refill]; quota --refill --all
complete -c t3-user -n "__t3_user_is quota" -l add -x -d 'add tokens (may be negative)'
complete -c t3-user -n "__t3_user_is quota" -l set -x -d 'set the quota'
complete -c t3-user -n "__t3_user_is quota" -l refill -d 'reset to the plan allowance'
complete -c t3-user -n "__t3_user_is quota" -l all -d 'every user (with --refill)'

# rm USER... [--yes]
complete -c t3-user -n "__t3_user_is rm" -s y -l yes -d 'do not ask'

# check [--repair]
complete -c t3-user -n "__t3_user_is check" -l repair -d 'fix what can be fixed'

# Users: any number for show and rm, one for set, passwd, verify, quota.
complete -c t3-user -n "__t3_user_is show; or __t3_user_is rm" -a "(__t3_user_emails)"
complete -c t3-user -n "__t3_user_is set; or __t3_user_is passwd; or __t3_user_is verify; or __t3_user_is quota; and test (__t3_user_nargs) -eq 1" \
    -a "(__t3_user_emails)"

# import [FILE]
complete -c t3-user -n "__t3_user_is import; and test (__t3_user_nargs) -eq 1" -F

# plan list | plan set NAME ALLOWANCE [--description TEXT] | plan rm NAME
complete -c t3-user -n "__t3_user_is plan; and test (__t3_user_nargs) -eq 1" -a list -d 'list plans'
complete -c t3-user -n "__t3_user_is plan; and test (__t3_user_nargs) -eq 1" -a set -d 'create or change a plan'
complete -c t3-user -n "__t3_user_is plan; and test (__t3_user_nargs) -eq 1" -a rm -d 'remove a plan'
complete -c t3-user -n "__t3_user_is plan set; or __t3_user_is plan rm; and test (__t3_user_nargs) -eq 2" \
    -a "(__t3_user_plans)"
complete -c t3-user -n "__t3_user_is plan set" -l description -x -d description
