#include "tokentap/telemetry/body_budget.hpp"

#include <algorithm>

namespace tokentap::telemetry {

bool body_budget::take(std::size_t n) {
    auto used = used_.load(std::memory_order_relaxed);
    do {
        if (n > limit_ || used > limit_ - n) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
}

body_hold& body_hold::operator=(body_hold&& other) noexcept {
    if (this != &other) {
        give(held_);
        budget_ = other.budget_;
        held_ = other.held_;
        other.held_ = 0;
    }
    return *this;
}

bool body_hold::take(std::size_t n) {
    if (!budget_) return true;
    if (!budget_->take(n)) return false;
    held_ += n;
    return true;
}

void body_hold::give(std::size_t n) {
    n = std::min(n, held_);
    if (!budget_ || n == 0) return;
    budget_->give(n);
    held_ -= n;
}

}  // namespace tokentap::telemetry
