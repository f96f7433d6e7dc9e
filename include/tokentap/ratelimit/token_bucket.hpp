#pragma once
// The arithmetic of one token bucket with a per-minute limit: capacity = the limit, refilled
// continuously at limit/60 per second, starting full. The caller passes the time (steady clock), so
// the bucket is pure and tests drive it with an injected clock. Not thread-safe: the owner locks.
//
// The level is kept in exact integer units (1 token = 60,000 units, so the refill is `per_minute`
// units per millisecond); time is counted in whole milliseconds and the unused remainder carries
// over, so many small steps refill exactly as much as one long step.
//
// Decisions:
// - A cost larger than the capacity (a request whose max_tokens exceeds the tokens-per-minute limit)
//   is taken when the bucket is full, and the level goes negative by the excess; when the bucket is
//   not full, the wait is the time until it is. So such a request is never refused forever, and it
//   pays for its size by making the calls after it wait.
// - adjust() settles a reservation: a positive delta charges more (the level may go below zero, and
//   then even a cost of 0 waits until it is back at zero); a negative delta refunds, capped at the
//   capacity.
// - A limit of 0 means no limit: every cost is taken at once and the level is not tracked.
// - Limits and costs above max_per_minute are clamped to it; the debt is bounded (min_level), so no
//   input overflows.

#include <chrono>
#include <cstdint>

namespace tokentap::ratelimit {

class token_bucket {
public:
    using clock = std::chrono::steady_clock;

    static constexpr std::int64_t units_per_token = 60'000;
    static constexpr std::int64_t max_per_minute = 1'000'000'000'000;  // 10^12 per minute

    struct take_result {
        bool allowed = true;
        std::chrono::milliseconds retry_after{0};  // when refused: the wait until the same cost would pass
    };

    token_bucket() = default;  // no limit
    // A full bucket holding `per_minute` tokens (0 or less: no limit).
    token_bucket(std::int64_t per_minute, clock::time_point now);

    std::int64_t capacity() const { return per_minute_; }
    bool unlimited() const { return per_minute_ == 0; }

    // 0 when `cost` can be taken at `now`, else how long until it can (rounded up to a millisecond).
    std::chrono::milliseconds wait_for(std::int64_t cost, clock::time_point now) const;
    // Takes `cost` when wait_for(cost, now) is 0; else takes nothing and says how long to wait.
    take_result try_take(std::int64_t cost, clock::time_point now);
    // Charges `delta` more tokens (positive) or gives `-delta` back (negative, capped at the capacity).
    void adjust(std::int64_t delta, clock::time_point now);
    // A new limit (config reload): the level refilled so far is kept, capped at the new capacity.
    void set_limit(std::int64_t per_minute, clock::time_point now);

    // The level at `now` in tokens (fractional; negative while in debt); 0 when unlimited.
    double tokens(clock::time_point now) const;
    // How long until the bucket is full again (0 when it is, or when unlimited).
    std::chrono::milliseconds time_to_full(clock::time_point now) const;

private:
    static constexpr std::int64_t min_level = -1'000'000'000'000'000'000;  // the deepest debt, in units

    struct refilled {
        std::int64_t level;
        clock::time_point last;  // `last_` advanced by the whole milliseconds used
    };
    refilled refill(clock::time_point now) const;
    void apply(const refilled& r) {
        level_ = r.level;
        last_ = r.last;
    }
    std::int64_t capacity_units() const { return per_minute_ * units_per_token; }
    // Milliseconds until `missing` units have been refilled.
    std::chrono::milliseconds refill_time(std::int64_t missing) const;

    std::int64_t per_minute_ = 0;
    std::int64_t level_ = 0;  // units
    clock::time_point last_{};
};

}  // namespace tokentap::ratelimit
