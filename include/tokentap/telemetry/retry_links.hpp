#pragma once
// Links a retry made by the app's SDK to the span of the attempt before it. An SDK retry arrives as
// a new request (x-stainless-retry-count > 0); tokentap can tell it is the same call when the caller
// (API-key hash) and the request body are the same and the failed attempt ended within the retry
// window. Only failed calls are remembered, at most `max_entries`, oldest forgotten first.
// Pure (time is passed in); telemetry thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tokentap/telemetry/span.hpp"

namespace tokentap::telemetry {

class retry_links {
public:
    using time_point = std::chrono::steady_clock::time_point;

    explicit retry_links(std::chrono::seconds window = std::chrono::seconds(120), std::size_t max_entries = 4096)
        : window_(window), max_entries_(max_entries) {}

    // A call that failed: its span may be the previous attempt of a retry to come.
    void remember(std::string_view caller, std::uint64_t body_hash, const span& s, time_point now);
    // The span of the previous attempt of this call, if one was remembered within the window.
    std::optional<span_link> previous(std::string_view caller, std::uint64_t body_hash, time_point now) const;

    std::size_t size() const { return entries_.size(); }

private:
    struct entry {
        span_link link;
        time_point at;
    };
    static std::string key_of(std::string_view caller, std::uint64_t body_hash);

    std::chrono::seconds window_;
    std::size_t max_entries_;
    std::unordered_map<std::string, entry> entries_;
    std::deque<std::pair<std::string, time_point>> order_;  // insertion order, for forgetting
};

}  // namespace tokentap::telemetry
