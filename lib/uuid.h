/* uuid.h: UUIDv7 (RFC 9562) identifiers, time-ordered, in canonical
 * lower-case text form. */
#ifndef T3_UUID_H
#define T3_UUID_H

#include <stdint.h>

#define UUID_STRLEN 36

/* Fill out (37 bytes) with a new UUIDv7. Within one process the values
 * are strictly increasing, also within one millisecond (RFC 9562 6.2,
 * method 1: a 12-bit counter in rand_a, seeded randomly each ms). */
void uuid_v7(char out[UUID_STRLEN + 1]);
/* For a given unix time in milliseconds (imports, tests): random in the
 * remaining bits, no ordering promise within the millisecond. */
void uuid_v7_at(char out[UUID_STRLEN + 1], int64_t unix_ms);
/* 1 if s is a canonical lower- or upper-case UUID of any version. */
int uuid_valid(const char *s);
/* The unix-ms timestamp of a v7 UUID, or -1. */
int64_t uuid_v7_time(const char *s);

#endif
