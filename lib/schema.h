/* schema.h: the SQL migrations and the model catalog from share/,
 * compiled in (generated schema.c) so a binary needs no data files. */
#ifndef T3_SCHEMA_H
#define T3_SCHEMA_H

extern const char *const schema_user[];
extern const int schema_user_count;
extern const char *const schema_data[];
extern const int schema_data_count;
extern const char schema_catalog[];

#endif
