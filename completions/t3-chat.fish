# fish completion for t3-chat(1): options, model names and aliases
# (t3-models list -q, t3-models aliases -q), reasoning efforts and the
# email addresses of existing users (t3-user list --tsv).

# The value of option $argv[1] on the command line (the last one), ~
# expanded.
function __t3_chat_optval
    set -l tokens (commandline -opc)
    set -l v
    set -l i 2
    while test $i -lt (count $tokens)
        if test "$tokens[$i]" = $argv[1]
            set v $tokens[(math $i + 1)]
        end
        set i (math $i + 1)
    end
    string replace -r -- '^~(?=/|$)' $HOME "$v"
end

# The path a database would have, as t3-chat resolves it (see t3(7),
# FILES): $argv[1] the file name, $argv[2] the option value, $argv[3] the
# variable's value.
function __t3_chat_db_path
    if test -n "$argv[2]"
        echo $argv[2]
    else if test -n "$argv[3]"
        echo $argv[3]
    else if test -n "$T3_HOME"
        echo $T3_HOME/$argv[1]
    else if test -n "$XDG_DATA_HOME"
        echo $XDG_DATA_HOME/t3/$argv[1]
    else
        echo $HOME/.local/share/t3/$argv[1]
    end
end

# A sibling tool of the t3-chat typed: bin/t3-chat gives bin/t3-models.
function __t3_chat_tool
    set -l cmd (commandline -opc)[1]
    if string match -q -- '*/t3-chat' $cmd
        echo (string replace -r -- 't3-chat$' $argv[1] $cmd)
    else
        echo $argv[1]
    end
end

# Run the sibling tool $argv[1] on the database named by its option
# $argv[2] ($argv[3] the file name, $argv[4] the variable's value) with the
# arguments after, only when that database exists: completing must not
# create one.
function __t3_chat_query
    set -l db (__t3_chat_db_path $argv[3] (__t3_chat_optval $argv[2]) "$argv[4]")
    test -f "$db"; or return
    set -l tool (__t3_chat_tool $argv[1])
    $tool $argv[2] $db $argv[5..-1] 2>/dev/null </dev/null
end

function __t3_chat_models
    __t3_chat_query t3-models --data-db data.db "$T3_DATA_DB" list -q
    __t3_chat_query t3-models --data-db data.db "$T3_DATA_DB" aliases -q
end

function __t3_chat_providers
    __t3_chat_query t3-models --data-db data.db "$T3_DATA_DB" list --all --tsv | tail -n +2 | cut -f2 | sort -u
end

function __t3_chat_users
    __t3_chat_query t3-user --user-db user.db "$T3_USER_DB" list --tsv | tail -n +2 | cut -f2
end

complete -c t3-chat -f

complete -c t3-chat -s m -l model -x -a "(__t3_chat_models)" -d 'model name or alias'
complete -c t3-chat -s s -l system -x -d 'system prompt'
complete -c t3-chat -s a -l attach -r -F -d 'send an image or PDF, or quote a text file (repeatable)'
complete -c t3-chat -s c -l continue -d 'continue your latest chat'
complete -c t3-chat -l chat -x -d 'continue this chat (id or unique prefix)'
complete -c t3-chat -l user -x -a "(__t3_chat_users)" -d 'act as this user'
complete -c t3-chat -l temperature -x -d 'sampling temperature, 0 to 2'
complete -c t3-chat -l max-tokens -x -d 'longest answer, in tokens'
complete -c t3-chat -l reasoning-effort -x -a 'low medium high' -d 'how hard to think'
complete -c t3-chat -l show-reasoning -d 'reasoning text to stderr'
complete -c t3-chat -l no-stream -d 'ask for the whole answer at once'
complete -c t3-chat -l json -d 'one JSON object when the answer is complete'
complete -c t3-chat -l jsonl -d 'one JSON event per line as it happens'
complete -c t3-chat -s u -l usage -d 'tokens, cost and latency on stderr'
complete -c t3-chat -s n -l no-log -d 'store nothing (usage is still metered)'
complete -c t3-chat -s v -l verbose -d 'request details on stderr'
complete -c t3-chat -l retries -x -d 'retries of a rate-limited or overloaded call (408, 429, 5xx), 0 to 10'
complete -c t3-chat -l timeout -x -d 'seconds without data, or to connect, before giving up'
complete -c t3-chat -l title -x -d "a new chat's title (no title call)"
complete -c t3-chat -l no-title -d 'no title call for a new chat'
complete -c t3-chat -l from -x -d 'go on from this message (id or unique prefix)'
complete -c t3-chat -l retry -d 'answer the last question again, keeping both answers'
complete -c t3-chat -l branch -x -d 'a new chat with the history up to this message'
complete -c t3-chat -s o -l option -x -a 'top_p= top_k= seed= stop= frequency_penalty= presence_penalty=' -d 'a provider option KEY=VALUE'
complete -c t3-chat -l role -x -d 'a saved role as the system prompt'
complete -c t3-chat -l save-role -x -d 'save -s TEXT as a role'
complete -c t3-chat -l roles -d 'list your roles'
complete -c t3-chat -l rm-role -x -d 'remove a role'
complete -c t3-chat -l server-models -x -a '(__t3_chat_providers)' -d 'the models a provider\'s server lists'
complete -c t3-chat -l user-db -r -F -d 'user database'
complete -c t3-chat -l data-db -r -F -d 'chat and usage database'
complete -c t3-chat -l help -d 'print the options and exit'
complete -c t3-chat -l version -d 'print the version and exit'

# ---- the history modes: --list, --show, --search, --rm, --rename,
# --export, --import (t3-chat(1), CHAT HISTORY) ----

# The acting user's 30 most recent chats as "ID<tab>TITLE": fish shows the
# title beside the id. Only when both databases exist.
function __t3_chat_history_ids
    set -l udb (__t3_chat_db_path user.db (__t3_chat_optval --user-db) "$T3_USER_DB")
    set -l ddb (__t3_chat_db_path data.db (__t3_chat_optval --data-db) "$T3_DATA_DB")
    test -f "$udb"; and test -f "$ddb"; or return
    set -l tool (__t3_chat_tool t3-chat)
    set -l user (__t3_chat_optval --user)
    set -l as
    test -n "$user"; and set as --user $user
    $tool --user-db $udb --data-db $ddb $as --list --tsv -n 30 2>/dev/null </dev/null | tail -n +2 | cut -f1,5
end

# A mode that takes chat ids is on the line.
function __t3_chat_history_ids_wanted
    set -l t (commandline -opc)
    contains -- -- $t; and return 1
    contains -- --show $t; or contains -- --rm $t; or contains -- --rename $t; or contains -- --export $t
end

complete -c t3-chat -n __t3_chat_history_ids_wanted -a "(__t3_chat_history_ids)"
complete -c t3-chat -s l -l list -d 'list your chats, newest first'
complete -c t3-chat -l show -d 'show a chat (the latest without an id)'
complete -c t3-chat -l search -d 'search your messages'
complete -c t3-chat -l rm -d 'remove chats'
complete -c t3-chat -l rename -d 'set a chat title'
complete -c t3-chat -l export -d 'write chats as JSON or Markdown'
complete -c t3-chat -l import -r -F -d 'store chats of an export'
complete -c t3-chat -l since -x -d 'chats active since DATE or age (30d)'
complete -c t3-chat -l until -x -d 'chats active before DATE or age'
complete -c t3-chat -l older-than -x -d 'with --rm: chats last active before DATE or age'
complete -c t3-chat -s y -l yes -d 'with --rm: do not ask'
complete -c t3-chat -l format -x -a 'text md json' -d 'transcript format'
complete -c t3-chat -s q -l quiet -d 'chat ids only'
complete -c t3-chat -l tsv -d 'tab-separated (--list, --search)'
complete -c t3-chat -l csv -d 'comma-separated (--list, --search)'
