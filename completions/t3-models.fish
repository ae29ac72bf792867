# fish completion for t3-models(1): commands, options and their values,
# and model names and aliases from the database (t3-models list --all -q,
# t3-models aliases -q).

set -l __t3_models_cmds list show resolve add set enable disable rm export import alias unalias aliases sync help

# Run t3-models with the --data-db of the command line, only when that
# database exists: completing must not create one.
function __t3_models_query
    set -l tokens (commandline -opc)
    set -l cmd $tokens[1]
    set -l db
    set -l i 2
    while test $i -lt (count $tokens)
        if test "$tokens[$i]" = --data-db
            set db (string replace -r -- '^~(?=/|$)' $HOME $tokens[(math $i + 1)])
        end
        set i (math $i + 1)
    end
    if test -n "$db"
        set cmd $cmd --data-db $db
    else if test -n "$T3_DATA_DB"
        set db $T3_DATA_DB
    else if test -n "$T3_HOME"
        set db $T3_HOME/data.db
    else if test -n "$XDG_DATA_HOME"
        set db $XDG_DATA_HOME/t3/data.db
    else
        set db $HOME/.local/share/t3/data.db
    end
    if not test -f "$db"
        # a fresh install: the catalog built in, no database opened
        $tokens[1] $argv --shipped 2>/dev/null </dev/null
        return
    end
    $cmd $argv 2>/dev/null </dev/null
end

function __t3_models_names
    __t3_models_query list --all -q
    __t3_models_query aliases -q
end

function __t3_models_providers
    __t3_models_query list --all --tsv | tail -n +2 | cut -f2 | sort -u
end

complete -c t3-models -f
complete -c t3-models -n "not __fish_seen_subcommand_from $__t3_models_cmds" -a "$__t3_models_cmds"

# global options
complete -c t3-models -l data-db -r -F -d 'chat and model database'
complete -c t3-models -l user-db -r -F -d 'user database (unused)'
complete -c t3-models -l json -d 'JSON output'
complete -c t3-models -l jsonl -d 'one JSON object per line'
complete -c t3-models -l tsv -d 'tab-separated output'
complete -c t3-models -l csv -d 'CSV output'
complete -c t3-models -s q -l quiet -d 'names only'
complete -c t3-models -s h -l help -d 'print usage, or the command\'s synopsis'
complete -c t3-models -l version -d 'print version'

# list
complete -c t3-models -n '__fish_seen_subcommand_from list' -l all -d 'include disabled and deprecated'
complete -c t3-models -n '__fish_seen_subcommand_from list sync' -l provider -x -a '(__t3_models_providers)'
complete -c t3-models -n '__fish_seen_subcommand_from sync' -l context -x -d 'context size for a model the server does not size'
complete -c t3-models -n '__fish_seen_subcommand_from list' -l supports -x -a 'images pdfs multimodal reasoning tools'
complete -c t3-models -n '__fish_seen_subcommand_from list' -l max-price -x -d 'USD per 1k tokens, blended'
complete -c t3-models -n '__fish_seen_subcommand_from list' -l sort -x -a 'name price context'

# model arguments
complete -c t3-models -n '__fish_seen_subcommand_from show resolve set enable disable rm alias' -a '(__t3_models_names)'
complete -c t3-models -n '__fish_seen_subcommand_from unalias' -a '(__t3_models_query aliases -q)'
complete -c t3-models -n '__fish_seen_subcommand_from import' -F

# add / set fields
set -l __t3_models_edit '__fish_seen_subcommand_from add set'
complete -c t3-models -n $__t3_models_edit -l api -x -a 'openai anthropic gemini echo'
complete -c t3-models -n $__t3_models_edit -l context -x -d 'context window, tokens'
complete -c t3-models -n $__t3_models_edit -l max-output -x -a none -d 'output limit, tokens'
complete -c t3-models -n $__t3_models_edit -l input-price -x -d 'USD per 1k prompt tokens'
complete -c t3-models -n $__t3_models_edit -l output-price -x -d 'USD per 1k completion tokens'
complete -c t3-models -n $__t3_models_edit -l reasoning-price -x -a none -d 'USD per 1k reasoning tokens'
complete -c t3-models -n $__t3_models_edit -l cached-price -x -a none -d 'USD per 1k cached tokens'
for cap in images pdfs multimodal reasoning tools
    complete -c t3-models -n $__t3_models_edit -l $cap -d "supports $cap"
    complete -c t3-models -n $__t3_models_edit -l no-$cap -d "does not support $cap"
end
complete -c t3-models -n $__t3_models_edit -l deprecation-date -x -a none -d 'YYYY-MM-DD'
complete -c t3-models -n $__t3_models_edit -l replacement -x -a '(__t3_models_query list --all -q) none'
complete -c t3-models -n $__t3_models_edit -l enabled -d 'may be used'
complete -c t3-models -n $__t3_models_edit -l disabled -d 'may not be used'

# the rest
complete -c t3-models -n '__fish_seen_subcommand_from rm alias import sync' -s f -l force -d 'force'
complete -c t3-models -n '__fish_seen_subcommand_from export import' -l format -x -a 'json tsv'
complete -c t3-models -n '__fish_seen_subcommand_from import' -l replace -d 'drop models not in the input'
complete -c t3-models -n '__fish_seen_subcommand_from sync' -l dry-run -d 'report only'
complete -c t3-models -n '__fish_seen_subcommand_from list aliases' -l shipped -d 'the catalog built in, no database'
