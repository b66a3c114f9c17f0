// The system libpq, PostgreSQL's C client library (Debian: libpq-dev), for the shared
// duplicate database (`duplicate_db: sql`) and other state kept in PostgreSQL.
#include <libpq-fe.h>
