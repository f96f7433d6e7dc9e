#pragma once
// Incremental decoder of AWS event-stream framing (content type application/vnd.amazon.eventstream),
// the binary framing of Bedrock's ConverseStream and InvokeModelWithResponseStream responses: raw
// response bytes in, one decoded frame at a time out. Pure (no I/O); the counterpart of
// sse_framer.hpp for Bedrock.
//
// A frame (the AWS SDKs' "event stream encoding"), all integers big-endian:
//   prelude:  total length u32 | headers length u32 | prelude CRC32 (of the 8 bytes before it)
//   headers:  repeated { name length u8 | name | value type u8 | value }, value by type:
//             0 true, 1 false (no bytes), 2 byte (1), 3 short (2), 4 int (4), 5 long (8),
//             6 byte array (u16 length + bytes), 7 string (u16 length + UTF-8), 8 timestamp (8),
//             9 UUID (16)
//   payload:  total length - headers length - 16 bytes
//   message CRC32 (zlib crc32 of every byte of the frame before it)
//
// Failures, and why they are handled so:
// - A bad message CRC (or headers that do not parse) spoils one frame, not the framing: the prelude
//   CRC was good, so its length is trusted, the frame is skipped and counted, and decoding goes on.
// - A bad prelude CRC, or a length out of bounds (more than max_frame_bytes, or too small to hold
//   its parts), means the frame boundaries are lost: it is counted, and decoding gives up for the
//   rest of the stream. Only telemetry stops; the proxy relays the bytes to the client regardless.
// - A stream that ends inside a frame is truncated: finish() says so and counts the frame.
//
// Not thread-safe; one decoder per stream. Never throws on any input (only std::bad_alloc could
// escape, from the buffer bounded by max_frame_bytes). A frame that arrives within one feed is
// handed over in place, without a copy.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace tokentap::sse {

// One good frame. The views are valid only during the on_frame call; "" when a header is absent
// (or is not of string type).
struct aws_event_frame {
    std::string_view event_type;      // :event-type (messageStart, chunk, metadata, ...)
    std::string_view message_type;    // :message-type: event, exception or error
    // :exception-type of an exception frame; for an error frame (which has no exception type),
    // its :error-code.
    std::string_view exception_type;
    std::string_view content_type;    // :content-type
    std::string_view payload;
};

struct aws_eventstream_options {
    // Upper bound on the total length of one frame. The AWS SDKs cap frames at 16 MiB.
    std::size_t max_frame_bytes = 16u << 20;
};

class aws_eventstream_decoder {
public:
    explicit aws_eventstream_decoder(aws_eventstream_options o = {});

    // Feeds the next bytes of the stream, split anywhere. Calls on_frame(const aws_event_frame&)
    // for each good frame these bytes complete. Bytes after decoding gave up are ignored. If
    // on_frame throws, the exception propagates and the decoder must not be used again.
    template <class F>
    void feed(std::string_view bytes, F&& on_frame) {
        feed_bytes(bytes, make_sink(on_frame));
    }

    // End of stream. Returns whether it ended inside a frame (then that frame is counted bad).
    // on_frame is never called (taken for symmetry with the other framers).
    template <class F>
    bool finish(F&&) {
        return finish_stream();
    }
    bool finish() { return finish_stream(); }

    std::uint64_t frames() const noexcept { return frames_; }          // handed to on_frame so far
    std::uint64_t bad_frames() const noexcept { return bad_frames_; }  // skipped, lost or truncated
    bool gave_up() const noexcept { return gave_up_; }                 // framing lost; bytes now ignored
    bool truncated() const noexcept { return truncated_; }             // finish() found a partial frame

private:
    // Non-owning, non-allocating reference to the caller's callback (see sse_framer.hpp).
    struct frame_sink {
        void* target;
        void (*call)(void* target, const aws_event_frame& frame);
    };

    template <class G>
    static frame_sink make_sink(G& f) noexcept {
        static_assert(!std::is_function_v<G>, "pass a lambda, function object or function pointer");
        return {const_cast<void*>(static_cast<const void*>(std::addressof(f))),
                [](void* target, const aws_event_frame& frame) { (*static_cast<G*>(target))(frame); }};
    }

    void feed_bytes(std::string_view bytes, frame_sink sink);
    bool finish_stream();
    bool read_prelude(std::string_view prelude);
    void decode_frame(std::string_view frame, frame_sink sink);

    aws_eventstream_options options_;
    std::string buffer_;         // a frame that spans feeds, from its first byte
    std::size_t frame_size_ = 0;  // total length of the buffered frame, once its prelude is read
    std::uint64_t frames_ = 0;
    std::uint64_t bad_frames_ = 0;
    bool gave_up_ = false;
    bool truncated_ = false;
};

}  // namespace tokentap::sse
