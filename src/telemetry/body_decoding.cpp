#include "tokentap/telemetry/body_decoding.hpp"

#include "tokentap/ascii.hpp"

namespace tokentap::telemetry {

namespace {
bool is_identity(std::string_view e) { return e.empty() || iequals(e, "identity"); }
bool is_gzip(std::string_view e) { return iequals(e, "gzip") || iequals(e, "x-gzip"); }
bool is_deflate(std::string_view e) { return iequals(e, "deflate"); }
}  // namespace

bool decodable_encoding(std::string_view e) { return is_identity(e) || is_gzip(e) || is_deflate(e); }

body_inflater::body_inflater(std::string_view e) {
    identity_ = is_identity(e);
    deflate_ = is_deflate(e);
    if (identity_) return;
    if (!is_gzip(e) && !deflate_) {
        failed_ = true;
        return;
    }
    // 15 + 32: zlib or gzip header, detected automatically.
    failed_ = inflateInit2(&z_, 15 + 32) != Z_OK;
    started_ = !failed_;
}

body_inflater::~body_inflater() {
    if (started_) inflateEnd(&z_);
}

// "deflate" is zlib-wrapped by the HTTP specification, but some servers send a raw stream.
bool body_inflater::restart_raw() {
    inflateEnd(&z_);
    started_ = inflateInit2(&z_, -15) == Z_OK;
    deflate_ = false;  // only one fallback
    return started_;
}

bool body_inflater::feed(std::string_view in, std::string& out, std::size_t max_out) {
    if (failed_) return false;
    if (identity_) {
        if (out.size() + in.size() > max_out) return !(failed_ = true);
        out.append(in);
        return true;
    }
    const bool first = z_.total_in == 0;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    char chunk[16384];
    while (z_.avail_in > 0 && !done_) {
        z_.next_out = reinterpret_cast<Bytef*>(chunk);
        z_.avail_out = sizeof chunk;
        const int rc = inflate(&z_, Z_NO_FLUSH);
        if (rc == Z_DATA_ERROR && first && deflate_ && restart_raw()) return feed(in, out, max_out);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return !(failed_ = true);
        const std::size_t n = sizeof chunk - z_.avail_out;
        if (out.size() + n > max_out) return !(failed_ = true);
        out.append(chunk, n);
        if (rc == Z_STREAM_END) done_ = true;
        if (rc == Z_BUF_ERROR && n == 0) break;
    }
    return true;
}

std::optional<std::string> decode_body(std::string_view e, std::string_view body, std::size_t max_out) {
    if (is_identity(e)) return body.size() <= max_out ? std::optional<std::string>(body) : std::nullopt;
    body_inflater inf(e);
    std::string out;
    if (!inf.feed(body, out, max_out)) return std::nullopt;
    return out;
}

std::string gzip_encode(std::string_view in) {
    z_stream z{};
    // 15 + 16: a gzip header and trailer around the deflate stream.
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
    std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace tokentap::telemetry
