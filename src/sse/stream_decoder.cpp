#include "tokentap/sse/stream_decoder.hpp"

namespace tokentap::sse {

namespace {
std::variant<sse_framer, json_array_framer, aws_eventstream_decoder> framer_for(stream_framing f) {
    switch (f) {
        case stream_framing::json_array: return json_array_framer{};
        case stream_framing::aws_eventstream: return aws_eventstream_decoder{};
        case stream_framing::sse: break;
    }
    return sse_framer{};
}
}  // namespace

stream_decoder::stream_decoder(stream_framing f) : framer_(framer_for(f)) {}

std::uint64_t stream_decoder::problems() const {
    struct counter {
        std::uint64_t operator()(const sse_framer& s) const { return s.oversized_events(); }
        std::uint64_t operator()(const json_array_framer& j) const {
            return j.oversized_elements() + j.truncated_elements() + (j.stray_bytes() > 0 ? 1 : 0);
        }
        std::uint64_t operator()(const aws_eventstream_decoder& a) const { return a.bad_frames(); }
    };
    return std::visit(counter{}, framer_);
}

}  // namespace tokentap::sse
