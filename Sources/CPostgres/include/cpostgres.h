#ifndef CPOSTGRES_H
#define CPOSTGRES_H

/* libpq, PostgreSQL's C client library, loaded only when a process first needs it (dlopen of
   libpq.so.5): lmtpd links none of it, so a process that never talks to PostgreSQL does not
   load libpq and the seventeen libraries it pulls in (Kerberos, LDAP, GnuTLS...), about 3 ms
   of every start (docs/BENCHMARKS.md). The types and constants come from libpq-fe.h (Debian:
   libpq-dev, needed to build); the functions are cpg_<libpq name>, to be called only after
   cpg_load() succeeded. Depends on libc and libpq's header only. */
#include <postgresql/libpq-fe.h>

/* Loads libpq and resolves every function below (once; later calls return the first answer).
   0 on success; otherwise -1 with the reason in `error` (at most `size` bytes, NUL-terminated). */
int cpg_load(char *error, int size);

ConnStatusType cpg_PQstatus(const PGconn *conn);
int cpg_PQconsumeInput(PGconn *conn);
int cpg_PQsocket(const PGconn *conn);
void cpg_PQfinish(PGconn *conn);
int cpg_PQsendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
char * cpg_PQresultErrorField(const PGresult *res, int fieldcode);
PGconn * cpg_PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname);
char * cpg_PQcmdTuples(PGresult *res);
PQnoticeProcessor cpg_PQsetNoticeProcessor(PGconn *conn, PQnoticeProcessor proc, void *arg);
ExecStatusType cpg_PQresultStatus(const PGresult *res);
char * cpg_PQresultErrorMessage(const PGresult *res);
int cpg_PQntuples(const PGresult *res);
PGnotify * cpg_PQnotifies(PGconn *conn);
int cpg_PQnfields(const PGresult *res);
int cpg_PQisBusy(PGconn *conn);
char * cpg_PQgetvalue(const PGresult *res, int tup_num, int field_num);
int cpg_PQgetisnull(const PGresult *res, int tup_num, int field_num);
PGresult * cpg_PQgetResult(PGconn *conn);
void cpg_PQfreemem(void *ptr);
char * cpg_PQfname(const PGresult *res, int field_num);
int cpg_PQflush(PGconn *conn);
char * cpg_PQerrorMessage(const PGconn *conn);
void cpg_PQclear(PGresult *res);

#endif
