#pragma once
// Cookies: reading the Cookie header and writing Set-Cookie lines that are safe by default
// (HttpOnly, SameSite=Lax, Path=/; Secure and the __Host- name prefix when served over TLS).
#include <optional>
#include <string>
#include <string_view>

namespace semaphore::web {

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or nullopt.
std::optional<std::string_view> find_cookie(std::string_view cookie_header, std::string_view name);

struct CookieOptions {
  bool secure = false;       // adds Secure (the name should then carry the __Host- prefix)
  long long max_age_s = -1;  // -1: a browser-session cookie; 0: delete it now
};

// "name=value; Path=/; HttpOnly; SameSite=Lax[; Secure][; Max-Age=N]". `value` must be a cookie-octet
// string (the callers pass base64url or fixed codes).
std::string make_set_cookie(std::string_view name, std::string_view value, const CookieOptions& options);

// The cookie names in use: "__Host-semaphore_session" when secure, else "semaphore_session".
std::string session_cookie_name(bool secure);
std::string csrf_cookie_name(bool secure);   // the signed-out forms' double-submit token
std::string flash_cookie_name(bool secure);  // a message code for the next page

}  // namespace semaphore::web
