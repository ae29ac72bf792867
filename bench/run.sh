#!/bin/sh
# make bench: every bench/*.sh with the binaries directory as argument.
bin=${1:-bin}
for b in "$(dirname "$0")"/*.sh; do
	case $b in */run.sh|*/lib.sh) continue ;; esac
	echo "== $(basename "$b" .sh)"
	bash "$b" "$bin" "${2:-build}"
done
