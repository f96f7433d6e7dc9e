#pragma once
// A bound on the memory telemetry keeps for reading bodies, all calls together: the request and
// response bodies of calls in flight and of calls queued for the telemetry thread. Each body is
// bounded on its own (max_captured_body), but many large calls at once, or a telemetry thread
// that falls behind, could otherwise hold gigabytes. Past the bound a body is given up, as one too
// large would be, and its call's span is marked incomplete; the traffic is not touched.

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tokentap::telemetry {

class body_budget {
public:
    // `used` is where the bytes kept are counted (a gauge reads it); `limit` bounds it.
    body_budget(std::atomic<std::uint64_t>& used, std::uint64_t limit) : used_(used), limit_(limit) {}

    // Takes `n` bytes, or nothing when they would pass the limit. Any thread.
    bool take(std::size_t n);
    void give(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t>& used_;
    std::uint64_t limit_;
};

// The bytes one call's capture holds of a budget: given back when the capture ends. Moving it
// hands them over. Not thread-safe itself: a capture belongs to one thread at a time.
class body_hold {
public:
    body_hold() = default;
    explicit body_hold(body_budget& budget) : budget_(&budget) {}
    body_hold(body_hold&& other) noexcept : budget_(other.budget_), held_(other.held_) { other.held_ = 0; }
    body_hold& operator=(body_hold&& other) noexcept;
    body_hold(const body_hold&) = delete;
    body_hold& operator=(const body_hold&) = delete;
    ~body_hold() { give(held_); }

    // Whether `n` more bytes may be kept (always, without a budget).
    bool take(std::size_t n);
    // Gives back `n` of the bytes held (a body given up).
    void give(std::size_t n);
    std::size_t held() const { return held_; }

private:
    body_budget* budget_ = nullptr;
    std::size_t held_ = 0;
};

}  // namespace tokentap::telemetry
