#pragma once
// libcurl, loaded when it is first needed (the first notification sent, an agent's first request) instead of
// at every start of the binary.
//
// Why: the binary links as few shared libraries as it can (CMakeLists.txt: `semaphore ping` stands in for
// fping and pays the dynamic loader at every start), and libcurl.so.4 pulls in some thirty (OpenSSL,
// nghttp2, libssh2, LDAP, Kerberos, ...). So, like libpq (store/postgresql/lazy_libpq.h), it is not linked:
// the build uses only <curl/curl.h> (Debian's libcurl4-openssl-dev), and the few functions the sender calls
// are resolved from libcurl.so.4 (Debian's libcurl4) by dlopen() on first use, with curl_global_init() run
// once there. A process that never sends a notification or runs an agent never loads it.
//
// Used by src/alerts (curl_sender.cpp) and src/agent (agent_client.cpp).
#include <curl/curl.h>

#include <new>
#include <string>

namespace semaphore {

// The libcurl functions Semaphore calls. setopt and getinfo are variadic in C and called through these
// variadic pointers exactly as through the real declarations: pass `long`, pointers and callbacks of the
// types curl.h documents for each option.
struct CurlLibrary {
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  decltype(&::curl_version_info) version_info = nullptr;
};

// Loads libcurl.so.4, resolves every function above and runs curl_global_init(CURL_GLOBAL_DEFAULT) — once
// per process (thread-safe); later calls return the same object. Throws std::runtime_error with a one-line
// message naming the Debian package to install when the library, one of its functions or its
// initialisation fails, or when it is older than 7.85 (CURLOPT_PROTOCOLS_STR); a later call tries again.
const CurlLibrary& curl_library();

// A curl_slist (headers, mail recipients, pinned addresses) that frees itself: libcurl keeps a pointer to
// it for the transfer, so it must outlive the easy_perform that uses it.
class CurlStringList {
 public:
  explicit CurlStringList(const CurlLibrary& curl) : curl_(curl) {}
  ~CurlStringList() {
    if (list_ != nullptr) curl_.slist_free_all(list_);
  }
  CurlStringList(const CurlStringList&) = delete;
  CurlStringList& operator=(const CurlStringList&) = delete;

  // Throws std::bad_alloc when libcurl cannot copy the item.
  void add(const std::string& item) {
    curl_slist* grown = curl_.slist_append(list_, item.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    list_ = grown;
  }
  curl_slist* get() const { return list_; }

 private:
  const CurlLibrary& curl_;
  curl_slist* list_ = nullptr;
};

}  // namespace semaphore
