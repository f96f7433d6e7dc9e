#include "tokentap/ratelimit/token_bucket.hpp"

#include <algorithm>

namespace tokentap::ratelimit {

namespace {

std::int64_t clamp_tokens(std::int64_t n) {
    return std::clamp(n, -token_bucket::max_per_minute, token_bucket::max_per_minute);
}

}  // namespace

token_bucket::token_bucket(std::int64_t per_minute, clock::time_point now)
    : per_minute_(std::clamp<std::int64_t>(per_minute, 0, max_per_minute)), last_(now) {
    level_ = capacity_units();
}

token_bucket::refilled token_bucket::refill(clock::time_point now) const {
    if (unlimited() || now <= last_) return {level_, last_};
    const std::int64_t missing = capacity_units() - level_;
    if (missing <= 0) return {capacity_units(), now};
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count();
    // Full once `missing / per_minute_` milliseconds have passed; checked by division first, so a
    // long idle time cannot overflow the product below.
    if (elapsed >= missing / per_minute_ + 1) return {capacity_units(), now};
    const std::int64_t level = std::min(capacity_units(), level_ + elapsed * per_minute_);
    if (level == capacity_units()) return {level, now};
    return {level, last_ + std::chrono::milliseconds(elapsed)};  // the sub-millisecond rest carries over
}

std::chrono::milliseconds token_bucket::refill_time(std::int64_t missing) const {
    if (missing <= 0 || unlimited()) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds((missing + per_minute_ - 1) / per_minute_);
}

std::chrono::milliseconds token_bucket::wait_for(std::int64_t cost, clock::time_point now) const {
    if (unlimited()) return std::chrono::milliseconds(0);
    // An oversized cost needs a full bucket, not more than one (see the header).
    const std::int64_t needed = std::clamp<std::int64_t>(cost, 0, per_minute_) * units_per_token;
    const auto r = refill(now);
    if (r.level >= needed) return std::chrono::milliseconds(0);
    return refill_time(needed - r.level);
}

token_bucket::take_result token_bucket::try_take(std::int64_t cost, clock::time_point now) {
    if (unlimited()) return {};
    if (const auto wait = wait_for(cost, now); wait.count() > 0) return {false, wait};
    auto r = refill(now);
    r.level = std::max(min_level, r.level - std::clamp<std::int64_t>(cost, 0, max_per_minute) * units_per_token);
    apply(r);
    return {};
}

void token_bucket::adjust(std::int64_t delta, clock::time_point now) {
    if (unlimited()) return;
    auto r = refill(now);
    r.level = std::clamp(r.level - clamp_tokens(delta) * units_per_token, min_level, capacity_units());
    apply(r);
}

void token_bucket::set_limit(std::int64_t per_minute, clock::time_point now) {
    per_minute = std::clamp<std::int64_t>(per_minute, 0, max_per_minute);
    if (per_minute == per_minute_) return;
    if (unlimited()) {  // from no limit: start full, as a new bucket would
        *this = token_bucket(per_minute, now);
        return;
    }
    auto r = refill(now);
    per_minute_ = per_minute;
    r.level = std::min(r.level, capacity_units());
    apply(r);
}

double token_bucket::tokens(clock::time_point now) const {
    if (unlimited()) return 0;
    return static_cast<double>(refill(now).level) / units_per_token;
}

std::chrono::milliseconds token_bucket::time_to_full(clock::time_point now) const {
    if (unlimited()) return std::chrono::milliseconds(0);
    const auto r = refill(now);
    return refill_time(capacity_units() - r.level);
}

}  // namespace tokentap::ratelimit
