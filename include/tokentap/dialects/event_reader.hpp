#pragma once
// The stream side of a dialect: one reader per streamed response, fed one event at a time, in
// order, as the bytes pass to the client. What an "event" is depends on the stream's framing
// (sse/): an SSE event (its `event:` name and `data:`), one element of a streamed JSON array
// (name "", the element's JSON text), or an AWS event-stream frame (its `:event-type` and payload;
// an exception frame arrives as name "exception:" + its `:exception-type`). Pure; events are
// untrusted. Used on one thread.

#include <cstdint>
#include <string_view>

#include "tokentap/dialects/facts.hpp"

namespace tokentap::dialects {

class event_reader {
public:
    virtual ~event_reader() = default;

    // Reads one event into facts(). Returns true when the event is one the client did not ask for
    // and that tokentap removes from the stream (the OpenAI usage-only chunk); false otherwise.
    virtual bool on_event(std::string_view name, std::string_view data) = 0;

    response_facts& facts() { return facts_; }
    // Events that should have been JSON and were not (or were not what the dialect expects).
    std::uint64_t unreadable_events() const { return unreadable_; }

protected:
    response_facts facts_;
    std::uint64_t unreadable_ = 0;
};

}  // namespace tokentap::dialects
