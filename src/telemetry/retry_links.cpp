#include "tokentap/telemetry/retry_links.hpp"

namespace tokentap::telemetry {

std::string retry_links::key_of(std::string_view caller, std::uint64_t body_hash) {
    std::string key(caller);
    key += ':';
    key += std::to_string(body_hash);
    return key;
}

void retry_links::remember(std::string_view caller, std::uint64_t body_hash, const span& s, time_point now) {
    // Forget what has left the window, and the oldest when full.
    while (!order_.empty() && (now - order_.front().second > window_ || order_.size() >= max_entries_)) {
        const auto it = entries_.find(order_.front().first);
        if (it != entries_.end() && it->second.at == order_.front().second) entries_.erase(it);
        order_.pop_front();
    }
    span_link link;
    link.trace = s.trace;
    link.id = s.id;
    link.trace_state = s.trace_state;
    link.flags = s.flags;
    auto key = key_of(caller, body_hash);
    entries_.insert_or_assign(key, entry{std::move(link), now});
    order_.emplace_back(std::move(key), now);
}

std::optional<span_link> retry_links::previous(std::string_view caller, std::uint64_t body_hash, time_point now) const {
    const auto it = entries_.find(key_of(caller, body_hash));
    if (it == entries_.end() || now - it->second.at > window_) return std::nullopt;
    return it->second.link;
}

}  // namespace tokentap::telemetry
