#include "core/curl_library.h"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace semaphore {
namespace {

constexpr const char* kLibrary = "libcurl.so.4";
constexpr const char* kMissing = "this needs libcurl4 (apt-get install libcurl4): ";

template <class Function>
void resolve(void* handle, Function& out, const char* name) {
  out = reinterpret_cast<Function>(dlsym(handle, name));
  if (out == nullptr) {
    const char* reason = dlerror();
    throw std::runtime_error(std::string(kMissing) + (reason ? reason : kLibrary) + ": no " + name);
  }
}

CurlLibrary load() {
  // RTLD_LOCAL: libcurl's own dependencies stay out of the global scope. The handle is never closed.
  void* handle = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw std::runtime_error(std::string(kMissing) + dlerror());
  CurlLibrary curl;
  resolve(handle, curl.easy_init, "curl_easy_init");
  resolve(handle, curl.easy_setopt, "curl_easy_setopt");
  resolve(handle, curl.easy_perform, "curl_easy_perform");
  resolve(handle, curl.easy_getinfo, "curl_easy_getinfo");
  resolve(handle, curl.easy_cleanup, "curl_easy_cleanup");
  resolve(handle, curl.easy_strerror, "curl_easy_strerror");
  resolve(handle, curl.slist_append, "curl_slist_append");
  resolve(handle, curl.slist_free_all, "curl_slist_free_all");
  resolve(handle, curl.version_info, "curl_version_info");
  decltype(&::curl_global_init) global_init = nullptr;
  resolve(handle, global_init, "curl_global_init");

  // CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR (the sender's protocol limits) are 7.85's.
  const curl_version_info_data* version = curl.version_info(CURLVERSION_NOW);
  if (version == nullptr || version->version_num < 0x075500) {
    throw std::runtime_error(std::string("this needs libcurl 7.85 or newer, found ") +
                             (version && version->version ? version->version : "an unknown version"));
  }
  // Once per process, before any handle (a static's initialiser runs once, under the compiler's lock).
  if (const CURLcode code = global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    throw std::runtime_error(std::string("libcurl failed to initialise: ") + curl.easy_strerror(code));
  }
  return curl;
}

}  // namespace

const CurlLibrary& curl_library() {
  // A static whose initialiser throws stays uninitialised, so the next call tries again.
  static const CurlLibrary loaded = load();
  return loaded;
}

}  // namespace semaphore
