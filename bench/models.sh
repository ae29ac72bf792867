#!/bin/bash
# t3-models list --json on the default data.db (the shipped catalog) over
# 50 runs, beside sqlite3 -json reading the same table. Measures only.
. "$(dirname "$0")/lib.sh"
RUNS=50
t3-models list -q >/dev/null   # create data.db with the catalog
t=$(median_ms t3-models list --json)
b=$(median_ms sqlite3 -json "$T3_HOME/data.db" 'SELECT * FROM model_capabilities')
report "t3-models list --json" "$t" "sqlite3 -json" "$b" "<= 1.5, < 3 ms"
t=$(median_ms t3-models resolve sonnet)
b=$(median_ms sqlite3 "$T3_HOME/data.db" "SELECT * FROM model_capabilities WHERE model_name = 'sonnet'")
report "t3-models resolve sonnet" "$t" "sqlite3 SELECT one row" "$b" "< 3 ms"
