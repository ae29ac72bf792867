#!/usr/bin/env python3
"""firstbyte.py RUNS CMD...: run CMD RUNS times; print the medians of the
time to the first byte on its stdout and of the total wall time (ms), and
the peak RSS (KiB) of the largest run. Measures; asserts nothing."""
import os, resource, statistics, subprocess, sys, time

runs = int(sys.argv[1])
cmd = sys.argv[2:]
first, total = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    b = p.stdout.read(1)
    t1 = time.perf_counter()
    while p.stdout.read(65536):
        pass
    p.wait()
    t2 = time.perf_counter()
    if b:
        first.append((t1 - t0) * 1000)
    total.append((t2 - t0) * 1000)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("%.3f %.3f %d" % (statistics.median(first) if first else -1, statistics.median(total), rss))
