// The system SQLite 3 (Debian: libsqlite3-dev), for the duplicate-delivery database.
#include <sqlite3.h>
