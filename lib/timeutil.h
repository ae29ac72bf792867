/* timeutil.h: timestamps. t3 stores every timestamp as INTEGER unix
 * milliseconds UTC (see t3.7, "Representation") and shows them as
 * ISO-8601 UTC. */
#ifndef T3_TIMEUTIL_H
#define T3_TIMEUTIL_H

#include <stdint.h>
#include <stddef.h>

#define TIME_ISO_LEN 24 /* 2026-11-25T15:37:08.123Z */

int64_t time_now_ms(void);
/* Monotonic clock in milliseconds, for latencies. */
int64_t time_mono_ms(void);
/* Format as YYYY-MM-DDTHH:MM:SS.mmmZ into out (at least 25 bytes). */
char *time_fmt_iso(char *out, int64_t unix_ms);
/* Parse ISO-8601 UTC: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.fff]]Z or with a
 * +HH:MM / -HH:MM offset. Returns 0 on success, -1 if malformed. */
int time_parse_iso(const char *s, int64_t *unix_ms);
/* 1 if name is a zone in the system tz database (TZDIR or
 * /usr/share/zoneinfo), e.g. "America/Denver" or "UTC". */
int time_zone_valid(const char *name);
/* Calendar arithmetic on day numbers (days since 1970-01-01) of the
 * proleptic Gregorian calendar. */
int64_t time_days_from_civil(int y, int m, int d);
void time_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
