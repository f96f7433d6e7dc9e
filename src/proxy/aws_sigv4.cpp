#include "tokentap/proxy/aws_sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

#include "tokentap/percent_decode.hpp"

namespace tokentap::proxy {

namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

using digest = std::array<unsigned char, 32>;

std::string_view as_view(const digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

// An OpenSSL failure (out of memory) leaves a zero digest: the signature is then refused by AWS,
// which is the right outcome for a request we could not sign.
digest sha256(std::string_view data) {
    digest out{};
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr) != 1) out.fill(0);
    return out;
}

digest hmac_sha256(std::string_view key, std::string_view data) {
    digest out{};
    unsigned int size = 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes, data.size(), out.data(), &size) == nullptr)
        out.fill(0);
    return out;
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
    return out;
}

bool is_unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

// AWS's UriEncode: unreserved bytes stay, every other byte becomes %XX in upper case.
void uri_encode(std::string_view s, bool keep_slash, std::string& out) {
    static constexpr char digits[] = "0123456789ABCDEF";
    for (const char c : s) {
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            out += c;
        } else {
            const auto b = static_cast<unsigned char>(c);
            out += '%';
            out += digits[b >> 4];
            out += digits[b & 0x0f];
        }
    }
}

std::string uri_encoded(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    uri_encode(s, false, out);
    return out;
}

// RFC 3986 section 5.2.4, plus the removal of empty segments ("//") that AWS applies to the paths of
// every service but S3 (test suite, normalize-path). A trailing '/' is kept.
std::string normalized_path(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = std::min(path.find('/', start), path.size());
        const auto segment = path.substr(start, slash - start);
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        start = slash + 1;
    }
    std::string out = "/";
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) out += '/';
        out += segments[i];
    }
    if (!segments.empty() && path.ends_with('/')) out += '/';
    return out;
}

std::string lower_case(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Leading and trailing blanks removed, inner runs of blanks made one space (the suite's get-header-value-trim).
std::string trimmed_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    bool pending_space = false;
    for (const char c : v) {
        if (c == ' ' || c == '\t') {
            pending_space = !out.empty();
        } else {
            if (pending_space) out += ' ';
            pending_space = false;
            out += c;
        }
    }
    return out;
}

struct canonical_header_block {
    std::string lines;           // "name:value\n" per header, sorted by name
    std::string signed_headers;  // "name;name"
};

canonical_header_block canonical_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
    std::vector<std::pair<std::string, std::string>> normal;
    normal.reserve(headers.size());
    for (const auto& [name, value] : headers) normal.emplace_back(lower_case(name), trimmed_value(value));
    std::stable_sort(normal.begin(), normal.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

    canonical_header_block block;
    for (std::size_t i = 0; i < normal.size(); ++i) {
        const bool same_as_previous = i > 0 && normal[i].first == normal[i - 1].first;
        if (same_as_previous) {
            block.lines.back() = ',';  // replaces the previous line's '\n'
        } else {
            if (i > 0) block.signed_headers += ';';
            block.signed_headers += normal[i].first;
            block.lines += normal[i].first;
            block.lines += ':';
        }
        block.lines += normal[i].second;
        block.lines += '\n';
    }
    return block;
}

std::string getenv_string(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

}  // namespace

std::optional<aws_credentials> aws_credentials::from_environment() {
    aws_credentials c{getenv_string("AWS_ACCESS_KEY_ID"), getenv_string("AWS_SECRET_ACCESS_KEY"),
                      getenv_string("AWS_SESSION_TOKEN")};
    if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
    return c;
}

std::string sigv4_payload_hash(std::string_view payload) { return hex(as_view(sha256(payload))); }

std::string sigv4_canonical_uri(std::string_view path) {
    std::string out;
    uri_encode(normalized_path(path), true, out);
    return out;
}

std::string sigv4_canonical_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    std::size_t start = 0;
    while (start < query.size()) {
        const auto amp = std::min(query.find('&', start), query.size());
        const auto param = query.substr(start, amp - start);
        start = amp + 1;
        if (param.empty()) continue;
        const auto eq = param.find('=');
        const auto name = param.substr(0, eq);
        const auto value = eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
        params.emplace_back(uri_encoded(percent_decode(name)), uri_encoded(percent_decode(value)));
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty()) out += '&';
        out += name;
        out += '=';
        out += value;
    }
    return out;
}

sigv4_result sign_sigv4(const sigv4_input& in, const aws_credentials& credentials, const sigv4_scope& scope) {
    sigv4_result r;
    r.payload_sha256 = sigv4_payload_hash(in.payload);

    const auto question = in.target.find('?');
    const auto path = in.target.substr(0, question);
    const auto query = question == std::string_view::npos ? std::string_view() : in.target.substr(question + 1);
    const auto headers = canonical_headers(in.headers);
    r.canonical_request.append(in.method).append("\n");
    r.canonical_request.append(sigv4_canonical_uri(path)).append("\n");
    r.canonical_request.append(sigv4_canonical_query(query)).append("\n");
    r.canonical_request.append(headers.lines).append("\n");
    r.canonical_request.append(headers.signed_headers).append("\n");
    r.canonical_request.append(r.payload_sha256);

    const auto date = std::string_view(in.amz_date).substr(0, 8);
    const auto credential_scope = std::string(date) + "/" + scope.region + "/" + scope.service + "/aws4_request";
    r.string_to_sign.append(algorithm).append("\n").append(in.amz_date).append("\n");
    r.string_to_sign.append(credential_scope).append("\n");
    r.string_to_sign.append(hex(as_view(sha256(r.canonical_request))));

    auto key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
    key = hmac_sha256(as_view(key), scope.region);
    key = hmac_sha256(as_view(key), scope.service);
    key = hmac_sha256(as_view(key), "aws4_request");
    const auto signature = hex(as_view(hmac_sha256(as_view(key), r.string_to_sign)));

    r.authorization.append(algorithm).append(" Credential=").append(credentials.access_key_id).append("/");
    r.authorization.append(credential_scope).append(", SignedHeaders=").append(headers.signed_headers);
    r.authorization.append(", Signature=").append(signature);
    return r;
}

std::string amz_date_of(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto second = floor<seconds>(t);
    const auto day = floor<days>(second);
    const year_month_day ymd{day};
    const hh_mm_ss time{second - day};
    char buffer[40];
    const int n = std::snprintf(buffer, sizeof buffer, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                                static_cast<int>(time.seconds().count()));
    return n > 0 ? std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1))
                 : std::string();
}

}  // namespace tokentap::proxy
