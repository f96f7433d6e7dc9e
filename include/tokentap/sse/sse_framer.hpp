#pragma once
// Incremental Server-Sent Events framer: raw response bytes in, complete events out. Pure (no I/O).
// Follows the WHATWG HTML "Interpreting an event stream" rules (section 9.2.6) at the byte level:
// lines end with CRLF, LF or a lone CR; a leading UTF-8 BOM is dropped; `:` lines are comments;
// `data`, `event` and `id` fields build the event; a blank line dispatches it.
//
// Deviations, all deliberate:
// - `id` belongs to the event it appears in and is "" when absent. The spec's "last event ID"
//   persists across events for reconnection; telemetry wants the id the event itself carried.
// - An event larger than `max_event_bytes` is skipped and counted instead of buffered, so a hostile
//   or broken upstream cannot make us hold more than about that much memory.
// - finish() may dispatch a trailing event the spec would discard (see finish()).
//
// Not thread-safe; one framer per stream. Never throws on any input (only std::bad_alloc could
// escape, from the bounded buffers). Buffers are reused, so steady-state framing does not allocate.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace tokentap::sse {

struct sse_event {
    std::string_view event;  // the `event:` field, "" when absent (means "message")
    std::string_view data;   // all `data:` lines joined with '\n' (no trailing newline)
    std::string_view id;     // `id:` field, "" when absent
};

struct sse_framer_options {
    // Upper bound on the bytes of the non-comment lines (terminators excluded) of one event.
    std::size_t max_event_bytes = 1u << 20;
};

class sse_framer {
public:
    explicit sse_framer(sse_framer_options o = {});

    // Feeds the next bytes of the stream, split anywhere (mid-line, mid-CRLF, mid-BOM). Calls
    // on_event(const sse_event&) for each event these bytes complete; the views are valid only
    // during that call. If on_event throws, the exception propagates and the framer must not be
    // used again.
    template <class F>
    void feed(std::string_view bytes, F&& on_event) {
        feed_bytes(bytes, make_sink(on_event));
    }

    // End of stream. The spec discards an event not terminated by a blank line; we dispatch it if
    // it has data and the stream ended right after a line end, because providers that cut a
    // stream short have often already sent a complete `data:` JSON line worth reporting. A final
    // line with no line end may be truncated, so then the whole pending event is dropped.
    // Afterwards the framer is ready for a new stream (BOM handling included); counters are kept.
    template <class F>
    void finish(F&& on_event) {
        finish_stream(make_sink(on_event));
    }

    std::uint64_t events() const noexcept { return events_; }  // dispatched so far
    // Events skipped because they were larger than max_event_bytes.
    std::uint64_t oversized_events() const noexcept { return oversized_events_; }

private:
    // Non-owning, non-allocating reference to the caller's callback, so that the parsing logic
    // lives in the .cpp instead of being instantiated for every callback type.
    struct event_sink {
        void* target;
        void (*call)(void* target, const sse_event& event);
    };

    template <class G>
    static event_sink make_sink(G& f) noexcept {
        static_assert(!std::is_function_v<G>, "pass a lambda, function object or function pointer");
        return {const_cast<void*>(static_cast<const void*>(std::addressof(f))),
                [](void* target, const sse_event& event) { (*static_cast<G*>(target))(event); }};
    }

    void feed_bytes(std::string_view bytes, event_sink sink);
    void finish_stream(event_sink sink);
    std::string_view skip_bom(std::string_view bytes, event_sink sink);
    void consume(std::string_view bytes, event_sink sink);
    bool account(std::string_view piece);
    void end_line(std::string_view piece, event_sink sink);
    void apply_field(std::string_view line);
    void end_event(event_sink sink);
    void start_oversized();
    void reset_event();
    void reset_line();

    sse_framer_options options_;

    // Current line: bytes buffered only when it spans feeds; complete lines are parsed in place.
    std::string line_;
    bool line_started_ = false;     // the current line has at least one byte
    bool line_is_comment_ = false;  // ... and it starts with ':' (never buffered nor counted)
    bool after_cr_ = false;         // last byte was CR: a following LF belongs to the same line end

    // Event being assembled.
    std::string data_;  // each data line's value followed by '\n'
    std::string event_;
    std::string id_;
    std::size_t event_bytes_ = 0;  // bytes of its non-comment lines so far; <= max_event_bytes
    bool oversized_ = false;       // skipping it until its blank line

    std::size_t bom_matched_ = 0;  // leading bytes of the stream that matched the BOM so far
    bool bom_done_ = false;        // BOM check over (stripped or found absent)

    std::uint64_t events_ = 0;
    std::uint64_t oversized_events_ = 0;
};

}  // namespace tokentap::sse
