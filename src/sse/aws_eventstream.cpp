#include "tokentap/sse/aws_eventstream.hpp"

#include <zlib.h>

#include <algorithm>

namespace tokentap::sse {

namespace {

constexpr std::size_t prelude_bytes = 12;  // total length, headers length, prelude CRC
constexpr std::size_t crc_bytes = 4;       // the message CRC at the end

std::uint32_t read_u32(std::string_view s, std::size_t at) {
    const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
    return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

std::uint32_t read_u16(std::string_view s, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1]));
}

std::uint32_t crc_of(std::string_view s) {
    // Frames are at most max_frame_bytes, so the size fits zlib's uInt on every platform we build on;
    // crc32_z takes a size_t anyway.
    return static_cast<std::uint32_t>(
        crc32_z(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<z_size_t>(s.size())));
}

// The size of a header value of `type` starting at `at` (after the type byte), or npos when the
// type is unknown or the value runs past the end.
std::size_t value_size(std::string_view headers, std::size_t at, unsigned type) {
    constexpr auto npos = std::string_view::npos;
    std::size_t size = 0;
    switch (type) {
        case 0: case 1: size = 0; break;   // bool true / false: no bytes
        case 2: size = 1; break;           // byte
        case 3: size = 2; break;           // short
        case 4: size = 4; break;           // int
        case 5: case 8: size = 8; break;   // long, timestamp (ms since the epoch)
        case 9: size = 16; break;          // UUID
        case 6: case 7:                    // byte array, string: u16 length first
            if (at + 2 > headers.size()) return npos;
            size = 2 + read_u16(headers, at);
            break;
        default: return npos;
    }
    return at + size <= headers.size() ? size : npos;
}

// Reads the headers into `frame`. False when they do not parse.
bool read_headers(std::string_view headers, aws_event_frame& frame) {
    std::string_view error_code;
    std::size_t i = 0;
    while (i < headers.size()) {
        const std::size_t name_size = static_cast<unsigned char>(headers[i]);
        if (i + 1 + name_size + 1 > headers.size()) return false;
        const auto name = headers.substr(i + 1, name_size);
        const unsigned type = static_cast<unsigned char>(headers[i + 1 + name_size]);
        const auto at = i + 1 + name_size + 1;
        const auto size = value_size(headers, at, type);
        if (size == std::string_view::npos) return false;
        if (type == 7) {
            const auto value = headers.substr(at + 2, size - 2);
            if (name == ":event-type") frame.event_type = value;
            else if (name == ":message-type") frame.message_type = value;
            else if (name == ":exception-type") frame.exception_type = value;
            else if (name == ":content-type") frame.content_type = value;
            else if (name == ":error-code") error_code = value;
        }
        i = at + size;
    }
    if (frame.exception_type.empty() && frame.message_type == "error") frame.exception_type = error_code;
    return true;
}

}  // namespace

aws_eventstream_decoder::aws_eventstream_decoder(aws_eventstream_options o) : options_(o) {}

void aws_eventstream_decoder::feed_bytes(std::string_view bytes, frame_sink sink) {
    while (!bytes.empty() && !gave_up_) {
        if (buffer_.empty()) {
            // Frames that arrive whole within this feed are decoded in place.
            if (bytes.size() < prelude_bytes || !read_prelude(bytes.substr(0, prelude_bytes))) {
                if (!gave_up_) buffer_.assign(bytes);
                return;
            }
            if (bytes.size() >= frame_size_) {
                decode_frame(bytes.substr(0, frame_size_), sink);
                bytes.remove_prefix(frame_size_);
                frame_size_ = 0;
                continue;
            }
            buffer_.assign(bytes);
            return;
        }
        if (buffer_.size() < prelude_bytes) {
            const auto take = std::min(prelude_bytes - buffer_.size(), bytes.size());
            buffer_.append(bytes.substr(0, take));
            bytes.remove_prefix(take);
            if (buffer_.size() < prelude_bytes) return;
            if (!read_prelude(buffer_)) {
                buffer_.clear();
                return;
            }
        }
        const auto take = std::min(frame_size_ - buffer_.size(), bytes.size());
        buffer_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (buffer_.size() == frame_size_) {
            decode_frame(buffer_, sink);
            buffer_.clear();
            frame_size_ = 0;
        }
    }
}

// Checks a frame's 12-byte prelude and sets frame_size_. A prelude that is not good ends decoding.
bool aws_eventstream_decoder::read_prelude(std::string_view prelude) {
    const auto total = read_u32(prelude, 0);
    const auto headers = read_u32(prelude, 4);
    const bool good = crc_of(prelude.substr(0, 8)) == read_u32(prelude, 8) &&
                      total >= prelude_bytes + crc_bytes && total <= options_.max_frame_bytes &&
                      headers <= total - prelude_bytes - crc_bytes;
    if (!good) {
        ++bad_frames_;
        gave_up_ = true;
        return false;
    }
    frame_size_ = total;
    return true;
}

// One whole frame whose prelude is good.
void aws_eventstream_decoder::decode_frame(std::string_view frame, frame_sink sink) {
    const auto body_end = frame.size() - crc_bytes;
    if (crc_of(frame.substr(0, body_end)) != read_u32(frame, body_end)) {
        ++bad_frames_;
        return;
    }
    const std::size_t headers_size = read_u32(frame, 4);
    aws_event_frame f;
    if (!read_headers(frame.substr(prelude_bytes, headers_size), f)) {
        ++bad_frames_;
        return;
    }
    f.payload = frame.substr(prelude_bytes + headers_size, body_end - prelude_bytes - headers_size);
    ++frames_;
    sink.call(sink.target, f);
}

bool aws_eventstream_decoder::finish_stream() {
    if (!buffer_.empty() && !gave_up_) {
        truncated_ = true;
        ++bad_frames_;
    }
    buffer_.clear();
    frame_size_ = 0;
    return truncated_;
}

}  // namespace tokentap::sse
