#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_digits(char *p, int v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

char *time_fmt_iso(char *out, int64_t ms)
{
	int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int frac = (int)(ms - s * 1000);
	time_t t = (time_t)s;
	struct tm tm;

	/* formatted by hand: this runs for every row of every listing */
	gmtime_r(&t, &tm);
	memcpy(out, "0000-00-00T00:00:00.000Z", TIME_ISO_LEN + 1);
	put_digits(out, (tm.tm_year + 1900) % 10000, 4);
	put_digits(out + 5, tm.tm_mon + 1, 2);
	put_digits(out + 8, tm.tm_mday, 2);
	put_digits(out + 11, tm.tm_hour, 2);
	put_digits(out + 14, tm.tm_min, 2);
	put_digits(out + 17, tm.tm_sec, 2);
	put_digits(out + 20, frac, 3);
	return out;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int64_t time_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void time_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int time_parse_iso(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = 0;
	const char *p = s;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.') {
				int scale = 100;
				p++;
				if (*p < '0' || *p > '9')
					return -1;
				for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
					ms += (*p - '0') * scale;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) ||
			    oh > 23 || om > 59)
				return -1;
			off = sign * (oh * 60 + om);
		} else {
			return -1;
		}
	}
	if (*p)
		return -1;
	int64_t t = time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off * 60;
	*out = t * 1000 + ms;
	return 0;
}

int time_zone_valid(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[4096], magic[4];
	int fd, ok;

	if (!name || !*name || name[0] == '/' || strstr(name, "..") ||
	    strlen(name) > 255)
		return 0;
	for (const char *p = name; *p; p++)
		if (!(*p == '/' || *p == '_' || *p == '-' || *p == '+' ||
		      (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			return 0;
	if (!strcmp(name, "UTC"))
		return 1;
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ok = read(fd, magic, 4) == 4 && !memcmp(magic, "TZif", 4);
	close(fd);
	return ok;
}
