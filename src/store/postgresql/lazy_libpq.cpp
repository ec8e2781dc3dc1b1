// Forwarders for the libpq functions that SOCI's PostgreSQL back end (linked statically from
// libsoci_postgresql.a) and postgresql_dialect.cpp call; see lazy_libpq.h for why libpq is loaded lazily.
#include "store/postgresql/lazy_libpq.h"

#include <dlfcn.h>
#include <libpq-fe.h>

#include <stdexcept>
#include <string>

// Every libpq function called from this binary: X(return type, name, (parameters), (arguments)).
// The definitions below must match libpq-fe.h's declarations (the compiler refuses a C function declared
// twice with different types), so a wrong entry does not build. When a SOCI upgrade calls a function missing
// here, the link fails with "undefined reference to PQ...": add it.
#define SEMAPHORE_LIBPQ_FUNCTIONS(X)                                                                         \
  /* connections */                                                                                          \
  X(PGconn*, PQconnectdb, (const char* conninfo), (conninfo))                                                \
  X(void, PQfinish, (PGconn * conn), (conn))                                                                 \
  X(ConnStatusType, PQstatus, (const PGconn* conn), (conn))                                                  \
  X(char*, PQerrorMessage, (const PGconn* conn), (conn))                                                     \
  X(int, PQserverVersion, (const PGconn* conn), (conn))                                                      \
  X(PQconninfoOption*, PQconninfoParse, (const char* conninfo, char** errmsg), (conninfo, errmsg))           \
  X(void, PQconninfoFree, (PQconninfoOption * options), (options))                                           \
  X(void, PQfreemem, (void* ptr), (ptr))                                                                     \
  /* queries */                                                                                              \
  X(PGresult*, PQexec, (PGconn * conn, const char* query), (conn, query))                                    \
  X(PGresult*, PQexecParams,                                                                                 \
    (PGconn * conn, const char* command, int nParams, const Oid* paramTypes, const char* const* paramValues, \
     const int* paramLengths, const int* paramFormats, int resultFormat),                                    \
    (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat))             \
  X(PGresult*, PQprepare,                                                                                    \
    (PGconn * conn, const char* stmtName, const char* query, int nParams, const Oid* paramTypes),            \
    (conn, stmtName, query, nParams, paramTypes))                                                            \
  X(PGresult*, PQexecPrepared,                                                                               \
    (PGconn * conn, const char* stmtName, int nParams, const char* const* paramValues,                       \
     const int* paramLengths, const int* paramFormats, int resultFormat),                                    \
    (conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat))                        \
  X(int, PQsendQuery, (PGconn * conn, const char* query), (conn, query))                                     \
  X(int, PQsendQueryParams,                                                                                  \
    (PGconn * conn, const char* command, int nParams, const Oid* paramTypes, const char* const* paramValues, \
     const int* paramLengths, const int* paramFormats, int resultFormat),                                    \
    (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat))             \
  X(int, PQsendPrepare,                                                                                      \
    (PGconn * conn, const char* stmtName, const char* query, int nParams, const Oid* paramTypes),            \
    (conn, stmtName, query, nParams, paramTypes))                                                            \
  X(int, PQsendQueryPrepared,                                                                                \
    (PGconn * conn, const char* stmtName, int nParams, const char* const* paramValues,                       \
     const int* paramLengths, const int* paramFormats, int resultFormat),                                    \
    (conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat))                        \
  X(int, PQsetSingleRowMode, (PGconn * conn), (conn))                                                        \
  X(PGresult*, PQgetResult, (PGconn * conn), (conn))                                                         \
  /* results */                                                                                              \
  X(void, PQclear, (PGresult * res), (res))                                                                  \
  X(ExecStatusType, PQresultStatus, (const PGresult* res), (res))                                            \
  X(char*, PQresultErrorMessage, (const PGresult* res), (res))                                               \
  X(char*, PQresultErrorField, (const PGresult* res, int fieldcode), (res, fieldcode))                       \
  X(char*, PQcmdTuples, (PGresult * res), (res))                                                             \
  X(int, PQntuples, (const PGresult* res), (res))                                                            \
  X(int, PQnfields, (const PGresult* res), (res))                                                            \
  X(char*, PQfname, (const PGresult* res, int field_num), (res, field_num))                                  \
  X(Oid, PQftype, (const PGresult* res, int field_num), (res, field_num))                                    \
  X(int, PQfsize, (const PGresult* res, int field_num), (res, field_num))                                    \
  X(int, PQfformat, (const PGresult* res, int field_num), (res, field_num))                                  \
  X(char*, PQgetvalue, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num))         \
  X(int, PQgetisnull, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num))          \
  /* large objects (SOCI's blob type; unused by Semaphore, but referenced by the back end) */                \
  X(int, lo_open, (PGconn * conn, Oid lobjId, int mode), (conn, lobjId, mode))                               \
  X(int, lo_close, (PGconn * conn, int fd), (conn, fd))                                                      \
  X(int, lo_read, (PGconn * conn, int fd, char* buf, size_t len), (conn, fd, buf, len))                      \
  X(int, lo_write, (PGconn * conn, int fd, const char* buf, size_t len), (conn, fd, buf, len))               \
  X(int, lo_lseek, (PGconn * conn, int fd, int offset, int whence), (conn, fd, offset, whence))

namespace semaphore::store {
namespace {

// The Debian package that ships libpq.so.5 (scripts/bootstrap installs it with the build dependencies).
constexpr const char* kLibrary = "libpq.so.5";
constexpr const char* kMissing = "PostgreSQL support needs libpq5 (apt-get install libpq5): ";

struct Libpq {
// `name` is an identifier here (a member and ::name), which parentheses would break.
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define SEMAPHORE_LIBPQ_POINTER(type, name, parameters, arguments) decltype(&::name) name = nullptr;
  SEMAPHORE_LIBPQ_FUNCTIONS(SEMAPHORE_LIBPQ_POINTER)
#undef SEMAPHORE_LIBPQ_POINTER
};

Libpq load() {
  // RTLD_LOCAL: libpq's own dependencies stay out of the global scope. The handle is never closed: SOCI's
  // connections may call into libpq until exit.
  void* handle = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw std::runtime_error(std::string(kMissing) + dlerror());
  Libpq libpq;
#define SEMAPHORE_LIBPQ_RESOLVE(type, name, parameters, arguments)                                  \
  libpq.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));                           \
  if (libpq.name == nullptr) {                                                                      \
    const char* reason = dlerror();                                                                 \
    throw std::runtime_error(std::string(kMissing) + (reason ? reason : kLibrary) + ": no " #name); \
  }
  SEMAPHORE_LIBPQ_FUNCTIONS(SEMAPHORE_LIBPQ_RESOLVE)
#undef SEMAPHORE_LIBPQ_RESOLVE
  return libpq;
}

// Loaded on first use. A static whose initialiser throws stays uninitialised, so the next call tries again.
const Libpq& libpq() {
  static const Libpq loaded = load();
  return loaded;
}

}  // namespace

void load_libpq() {
  libpq();
}

}  // namespace semaphore::store

// The forwarders themselves, with libpq's C names so that libsoci_postgresql.a links against them (this
// object file is pulled out of libsemaphore_store.a by postgresql_dialect.cpp's call to load_libpq(), and all
// of them with it). Each loads libpq if nothing has yet; PostgresqlDialect calls load_libpq() before it opens
// a PostgreSQL connection, so in practice none throws.
extern "C" {
#define SEMAPHORE_LIBPQ_FORWARD(type, name, parameters, arguments) \
  type name parameters {                                           \
    return semaphore::store::libpq().name arguments;               \
  }
SEMAPHORE_LIBPQ_FUNCTIONS(SEMAPHORE_LIBPQ_FORWARD)
#undef SEMAPHORE_LIBPQ_FORWARD
}
