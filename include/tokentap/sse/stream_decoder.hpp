#pragma once
// One streamed response body as a sequence of events, whatever its framing: SSE (sse_framer.hpp),
// a streamed JSON array (json_array_framer.hpp) or AWS event-stream frames (aws_eventstream.hpp).
// Each event reaches the callback as (name, data): the SSE event's name and data; "" and the
// element's JSON text; the frame's :event-type and payload, or "exception:" + :exception-type for
// an exception frame (event_reader.hpp). Pure; one decoder per stream; not thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "tokentap/sse/aws_eventstream.hpp"
#include "tokentap/sse/json_array_framer.hpp"
#include "tokentap/sse/sse_framer.hpp"

namespace tokentap::sse {

enum class stream_framing : std::uint8_t { sse, json_array, aws_eventstream };

class stream_decoder {
public:
    explicit stream_decoder(stream_framing f);

    // on_event(std::string_view name, std::string_view data), for each event the bytes complete.
    template <class F> void feed(std::string_view bytes, F&& on_event) {
        std::visit([&](auto& framer) { framer.feed(bytes, adapt(framer, on_event)); }, framer_);
    }
    template <class F> void finish(F&& on_event) {
        std::visit([&](auto& framer) { framer.finish(adapt(framer, on_event)); }, framer_);
    }

    // Events that could not be read whole: oversized events or elements, bad or truncated frames,
    // bytes outside a JSON array.
    std::uint64_t problems() const;

private:
    template <class F> static auto adapt(sse_framer&, F& on_event) {
        return [&on_event](const sse_event& e) { on_event(e.event, e.data); };
    }
    template <class F> static auto adapt(json_array_framer&, F& on_event) {
        return [&on_event](std::string_view element) { on_event(std::string_view{}, element); };
    }
    template <class F> auto adapt(aws_eventstream_decoder&, F& on_event) {
        return [this, &on_event](const aws_event_frame& f) {
            if (f.message_type == "exception" || f.message_type == "error") {
                name_.assign("exception:").append(f.exception_type.empty() ? f.message_type : f.exception_type);
                on_event(std::string_view(name_), f.payload);
            } else {
                on_event(f.event_type, f.payload);
            }
        };
    }

    std::variant<sse_framer, json_array_framer, aws_eventstream_decoder> framer_;
    std::string name_;
};

}  // namespace tokentap::sse
