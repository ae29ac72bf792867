#!/usr/bin/env python3
"""firstbyte.py RUNS CMD_A... -- CMD_B...: run the two commands RUNS times
each, alternating (A, B, A, B, ...) so that drift in the machine or in the
server they talk to falls on both alike. Prints one line per command:
the medians of the time to the first byte on its stdout and of the total
wall time (ms). Measures; asserts nothing. (Not peak RSS: a child of
Python counts Python's own size as its peak; see peakrss.c.)"""
import statistics, subprocess, sys, time

runs = int(sys.argv[1])
args = sys.argv[2:]
if "--" not in args:
    sys.exit("usage: firstbyte.py RUNS CMD_A... -- CMD_B...")
cut = args.index("--")
cmds = [args[:cut], args[cut + 1:]]
first = [[], []]
total = [[], []]


def once(cmd):
    """(first-byte ms or None, total ms) of one run."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    b = p.stdout.read(1)
    t1 = time.perf_counter()
    while p.stdout.read(65536):
        pass
    p.wait()
    t2 = time.perf_counter()
    return ((t1 - t0) * 1000 if b else None, (t2 - t0) * 1000)


for _ in range(runs):
    for i, cmd in enumerate(cmds):
        f, t = once(cmd)
        if f is not None:
            first[i].append(f)
        total[i].append(t)
for i in range(2):
    print("%.3f %.3f" % (statistics.median(first[i]) if first[i] else -1,
                         statistics.median(total[i])))
