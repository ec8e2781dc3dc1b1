#pragma once
// libpq, loaded when a PostgreSQL database is first opened instead of at every start of the binary.
//
// Why: libpq pulls in some twenty shared libraries (OpenSSL, Kerberos, LDAP, SASL, GnuTLS, ...). Linked
// normally, the dynamic loader maps and relocates all of them at every start, which was most of the CPU of a
// `semaphore ping -c 1` (the fping stand-in that SmokePing runs over and over) although it never touches a
// database. So the binary does not link libpq: SOCI's PostgreSQL back end is linked statically, and the libpq
// functions it (and this module) calls are defined in lazy_libpq.cpp as forwarders into libpq.so.5, which is
// dlopen()ed the first time one of them is needed.
//
// Internal to src/store.

namespace semaphore::store {

// Loads libpq.so.5 and resolves every function the forwarders need; does nothing after the first success
// (thread-safe). Throws std::runtime_error with a one-line message naming the Debian package to install and
// the loader's reason when the library or one of its functions is missing; a later call tries again.
void load_libpq();

}  // namespace semaphore::store
