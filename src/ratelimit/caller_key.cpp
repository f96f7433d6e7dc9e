#include "tokentap/ratelimit/caller_key.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

#include "tokentap/ascii.hpp"
#include "tokentap/field_values.hpp"

namespace tokentap::ratelimit {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view from_authorization(std::string_view v) {
    v = trim(v);
    if (istarts_with(v, "Bearer ")) return trim(v.substr(7));
    if (istarts_with(v, "AWS4-HMAC-SHA256")) {  // Credential=AKID/date/region/service/aws4_request
        const auto at = v.find("Credential=");
        if (at == std::string_view::npos) return {};
        auto rest = v.substr(at + 11);
        return rest.substr(0, rest.find_first_of("/, "));
    }
    return v;  // another scheme: the whole value identifies the caller
}

std::string_view from_query(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    auto query = target.substr(q + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto param = query.substr(0, amp);
        if (param.starts_with("key=")) return param.substr(4);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

}  // namespace

std::string_view find_api_key(const boost::beast::http::fields& headers, std::string_view target) {
    // In order of precedence: a header that is there but carries no key gives way to the next.
    const auto values = first_field_values<4>(headers, {"authorization", "x-api-key", "api-key", "x-goog-api-key"});
    if (const auto key = from_authorization(values[0]); !key.empty()) return key;
    for (std::size_t i = 1; i < values.size(); ++i)
        if (const auto key = trim(values[i]); !key.empty()) return key;
    return from_query(target);
}

std::string caller_hash(std::string_view key) {
    if (key.empty()) return {};
    // Most traffic through one proxy thread comes with the same key: the last one is remembered.
    thread_local std::string last_key, last_hash;
    if (key == last_key) return last_hash;
    // SHA256() looks the algorithm up on every call (OpenSSL 3), which costs more than hashing a
    // key: fetch it once, and keep a context per thread.
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!md || !ctx || !EVP_DigestInit_ex(ctx.get(), md, nullptr) ||
        !EVP_DigestUpdate(ctx.get(), key.data(), key.size()) || !EVP_DigestFinal_ex(ctx.get(), digest, &size))
        SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (std::size_t i = 0; i < 8; ++i) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xF];
    }
    last_key = key;
    last_hash = out;
    return out;
}

}  // namespace tokentap::ratelimit
