#pragma once
// Decodes telemetry's copy of a gzip- or deflate-encoded response body (zlib). The client always
// gets the encoded bytes untouched; only the copy is inflated. Also gzip-encodes OTLP exports.
// Pure, bounded output.

#include <zlib.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tokentap::telemetry {

// "", "identity", "gzip", "x-gzip" and "deflate" (zlib-wrapped, or raw as some servers send it).
bool decodable_encoding(std::string_view content_encoding);

// Incremental: feed the encoded bytes as they come; decoded bytes are appended to `out`.
class body_inflater {
public:
    explicit body_inflater(std::string_view content_encoding);
    ~body_inflater();
    body_inflater(const body_inflater&) = delete;
    body_inflater& operator=(const body_inflater&) = delete;

    // False once the input is not valid for the encoding, or `out` would pass max_out.
    bool feed(std::string_view in, std::string& out, std::size_t max_out);

private:
    bool restart_raw();
    z_stream z_{};
    bool identity_ = false;
    bool deflate_ = false;
    bool started_ = false;
    bool failed_ = false;
    bool done_ = false;
};

// The whole body decoded, or nullopt when it is not valid or larger than max_out once decoded.
std::optional<std::string> decode_body(std::string_view content_encoding, std::string_view body,
                                       std::size_t max_out);

// gzip (RFC 1952) of `in`, for OTEL_EXPORTER_OTLP_COMPRESSION=gzip.
std::string gzip_encode(std::string_view in);

}  // namespace tokentap::telemetry
