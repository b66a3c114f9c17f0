#include "cpostgres.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static ConnStatusType (*p_PQstatus)(const PGconn *conn);
static int (*p_PQconsumeInput)(PGconn *conn);
static int (*p_PQsocket)(const PGconn *conn);
static void (*p_PQfinish)(PGconn *conn);
static int (*p_PQsendQueryParams)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
static char * (*p_PQresultErrorField)(const PGresult *res, int fieldcode);
static PGconn * (*p_PQconnectdbParams)(const char *const *keywords, const char *const *values, int expand_dbname);
static char * (*p_PQcmdTuples)(PGresult *res);
static PQnoticeProcessor (*p_PQsetNoticeProcessor)(PGconn *conn, PQnoticeProcessor proc, void *arg);
static ExecStatusType (*p_PQresultStatus)(const PGresult *res);
static char * (*p_PQresultErrorMessage)(const PGresult *res);
static int (*p_PQntuples)(const PGresult *res);
static PGnotify * (*p_PQnotifies)(PGconn *conn);
static int (*p_PQnfields)(const PGresult *res);
static int (*p_PQisBusy)(PGconn *conn);
static char * (*p_PQgetvalue)(const PGresult *res, int tup_num, int field_num);
static int (*p_PQgetisnull)(const PGresult *res, int tup_num, int field_num);
static PGresult * (*p_PQgetResult)(PGconn *conn);
static void (*p_PQfreemem)(void *ptr);
static char * (*p_PQfname)(const PGresult *res, int field_num);
static int (*p_PQflush)(PGconn *conn);
static char * (*p_PQerrorMessage)(const PGconn *conn);
static void (*p_PQclear)(PGresult *res);

static int load_result = 1; /* 1: not tried yet */
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load_library(void) {
    void *library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(load_error, sizeof load_error, "cannot load libpq.so.5: %s", dlerror());
        load_result = -1;
        return;
    }
    p_PQstatus = dlsym(library, "PQstatus");
    if (p_PQstatus == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQstatus"); load_result = -1; return; }
    p_PQconsumeInput = dlsym(library, "PQconsumeInput");
    if (p_PQconsumeInput == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQconsumeInput"); load_result = -1; return; }
    p_PQsocket = dlsym(library, "PQsocket");
    if (p_PQsocket == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQsocket"); load_result = -1; return; }
    p_PQfinish = dlsym(library, "PQfinish");
    if (p_PQfinish == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQfinish"); load_result = -1; return; }
    p_PQsendQueryParams = dlsym(library, "PQsendQueryParams");
    if (p_PQsendQueryParams == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQsendQueryParams"); load_result = -1; return; }
    p_PQresultErrorField = dlsym(library, "PQresultErrorField");
    if (p_PQresultErrorField == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQresultErrorField"); load_result = -1; return; }
    p_PQconnectdbParams = dlsym(library, "PQconnectdbParams");
    if (p_PQconnectdbParams == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQconnectdbParams"); load_result = -1; return; }
    p_PQcmdTuples = dlsym(library, "PQcmdTuples");
    if (p_PQcmdTuples == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQcmdTuples"); load_result = -1; return; }
    p_PQsetNoticeProcessor = dlsym(library, "PQsetNoticeProcessor");
    if (p_PQsetNoticeProcessor == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQsetNoticeProcessor"); load_result = -1; return; }
    p_PQresultStatus = dlsym(library, "PQresultStatus");
    if (p_PQresultStatus == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQresultStatus"); load_result = -1; return; }
    p_PQresultErrorMessage = dlsym(library, "PQresultErrorMessage");
    if (p_PQresultErrorMessage == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQresultErrorMessage"); load_result = -1; return; }
    p_PQntuples = dlsym(library, "PQntuples");
    if (p_PQntuples == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQntuples"); load_result = -1; return; }
    p_PQnotifies = dlsym(library, "PQnotifies");
    if (p_PQnotifies == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQnotifies"); load_result = -1; return; }
    p_PQnfields = dlsym(library, "PQnfields");
    if (p_PQnfields == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQnfields"); load_result = -1; return; }
    p_PQisBusy = dlsym(library, "PQisBusy");
    if (p_PQisBusy == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQisBusy"); load_result = -1; return; }
    p_PQgetvalue = dlsym(library, "PQgetvalue");
    if (p_PQgetvalue == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQgetvalue"); load_result = -1; return; }
    p_PQgetisnull = dlsym(library, "PQgetisnull");
    if (p_PQgetisnull == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQgetisnull"); load_result = -1; return; }
    p_PQgetResult = dlsym(library, "PQgetResult");
    if (p_PQgetResult == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQgetResult"); load_result = -1; return; }
    p_PQfreemem = dlsym(library, "PQfreemem");
    if (p_PQfreemem == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQfreemem"); load_result = -1; return; }
    p_PQfname = dlsym(library, "PQfname");
    if (p_PQfname == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQfname"); load_result = -1; return; }
    p_PQflush = dlsym(library, "PQflush");
    if (p_PQflush == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQflush"); load_result = -1; return; }
    p_PQerrorMessage = dlsym(library, "PQerrorMessage");
    if (p_PQerrorMessage == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQerrorMessage"); load_result = -1; return; }
    p_PQclear = dlsym(library, "PQclear");
    if (p_PQclear == NULL) { snprintf(load_error, sizeof load_error, "libpq.so.5 has no PQclear"); load_result = -1; return; }
    load_result = 0;
}

int cpg_load(char *error, int size) {
    pthread_once(&load_once, load_library);
    if (load_result != 0 && error != NULL && size > 0) snprintf(error, (size_t)size, "%s", load_error);
    return load_result == 0 ? 0 : -1;
}

ConnStatusType cpg_PQstatus(const PGconn *conn) { return p_PQstatus != NULL ? p_PQstatus(conn) : CONNECTION_BAD; }
int cpg_PQconsumeInput(PGconn *conn) { return p_PQconsumeInput != NULL ? p_PQconsumeInput(conn) : 0; }
int cpg_PQsocket(const PGconn *conn) { return p_PQsocket != NULL ? p_PQsocket(conn) : -1; }
void cpg_PQfinish(PGconn *conn) { if (p_PQfinish != NULL) p_PQfinish(conn); }
int cpg_PQsendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat) { return p_PQsendQueryParams != NULL ? p_PQsendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat) : 0; }
char * cpg_PQresultErrorField(const PGresult *res, int fieldcode) { return p_PQresultErrorField != NULL ? p_PQresultErrorField(res, fieldcode) : NULL; }
PGconn * cpg_PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname) { return p_PQconnectdbParams != NULL ? p_PQconnectdbParams(keywords, values, expand_dbname) : NULL; }
char * cpg_PQcmdTuples(PGresult *res) { return p_PQcmdTuples != NULL ? p_PQcmdTuples(res) : NULL; }
PQnoticeProcessor cpg_PQsetNoticeProcessor(PGconn *conn, PQnoticeProcessor proc, void *arg) { return p_PQsetNoticeProcessor != NULL ? p_PQsetNoticeProcessor(conn, proc, arg) : NULL; }
ExecStatusType cpg_PQresultStatus(const PGresult *res) { return p_PQresultStatus != NULL ? p_PQresultStatus(res) : PGRES_FATAL_ERROR; }
char * cpg_PQresultErrorMessage(const PGresult *res) { return p_PQresultErrorMessage != NULL ? p_PQresultErrorMessage(res) : NULL; }
int cpg_PQntuples(const PGresult *res) { return p_PQntuples != NULL ? p_PQntuples(res) : 0; }
PGnotify * cpg_PQnotifies(PGconn *conn) { return p_PQnotifies != NULL ? p_PQnotifies(conn) : NULL; }
int cpg_PQnfields(const PGresult *res) { return p_PQnfields != NULL ? p_PQnfields(res) : 0; }
int cpg_PQisBusy(PGconn *conn) { return p_PQisBusy != NULL ? p_PQisBusy(conn) : 0; }
char * cpg_PQgetvalue(const PGresult *res, int tup_num, int field_num) { return p_PQgetvalue != NULL ? p_PQgetvalue(res, tup_num, field_num) : NULL; }
int cpg_PQgetisnull(const PGresult *res, int tup_num, int field_num) { return p_PQgetisnull != NULL ? p_PQgetisnull(res, tup_num, field_num) : 1; }
PGresult * cpg_PQgetResult(PGconn *conn) { return p_PQgetResult != NULL ? p_PQgetResult(conn) : NULL; }
void cpg_PQfreemem(void *ptr) { if (p_PQfreemem != NULL) p_PQfreemem(ptr); }
char * cpg_PQfname(const PGresult *res, int field_num) { return p_PQfname != NULL ? p_PQfname(res, field_num) : NULL; }
int cpg_PQflush(PGconn *conn) { return p_PQflush != NULL ? p_PQflush(conn) : -1; }
char * cpg_PQerrorMessage(const PGconn *conn) { return p_PQerrorMessage != NULL ? p_PQerrorMessage(conn) : NULL; }
void cpg_PQclear(PGresult *res) { if (p_PQclear != NULL) p_PQclear(res); }
