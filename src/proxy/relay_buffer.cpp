#include "tokentap/proxy/relay_buffer.hpp"

#include <vector>

namespace tokentap::proxy {

namespace {
std::vector<std::unique_ptr<char[]>>& stock() {
    thread_local std::vector<std::unique_ptr<char[]>> kept = [] {
        std::vector<std::unique_ptr<char[]>> v;
        v.reserve(relay_buffer::max_kept);  // returning a buffer never allocates
        return v;
    }();
    return kept;
}
}  // namespace

relay_buffer::relay_buffer() {
    auto& kept = stock();
    if (kept.empty()) {
        bytes_ = std::make_unique_for_overwrite<char[]>(capacity);
        return;
    }
    bytes_ = std::move(kept.back());
    kept.pop_back();
}

relay_buffer::~relay_buffer() {
    auto& kept = stock();
    if (kept.size() < max_kept) kept.push_back(std::move(bytes_));
}

std::size_t relay_buffer::kept_on_this_thread() { return stock().size(); }

}  // namespace tokentap::proxy
