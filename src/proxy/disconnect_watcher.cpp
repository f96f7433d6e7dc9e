#include "tokentap/proxy/disconnect_watcher.hpp"

namespace tokentap::proxy {

disconnect_watcher::~disconnect_watcher() {
    stop();
    while (head_) remove(*head_);
}

void disconnect_watcher::bind(const net::any_io_executor& ex) {
    timer_ = std::make_unique<net::steady_timer>(ex);
    armed_ = false;
}

void disconnect_watcher::add(ticket& t, clock::time_point now) {
    if (t.queued_ || !timer_) return;
    t.since_ = now;
    t.prev_ = tail_;
    t.next_ = nullptr;
    (tail_ ? tail_->next_ : head_) = &t;
    tail_ = &t;
    t.queued_ = true;
    size_ += 1;
    // An armed timer fires no later than this ticket is due: it re-arms for the rest then.
    if (!armed_) arm(now + delay_);
}

void disconnect_watcher::remove(ticket& t) {
    if (!t.queued_) return;
    (t.prev_ ? t.prev_->next_ : head_) = t.next_;
    (t.next_ ? t.next_->prev_ : tail_) = t.prev_;
    t.prev_ = t.next_ = nullptr;
    t.queued_ = false;
    size_ -= 1;
}

void disconnect_watcher::stop() {
    armed_ = false;
    timer_.reset();  // a pending wait completes as cancelled, or is destroyed with its io_context
}

void disconnect_watcher::arm(clock::time_point at) {
    armed_ = true;
    timer_->expires_at(at);
    timer_->async_wait([this](const error_code& ec) {
        if (ec) return;  // cancelled: stop() dropped the timer, and maybe the watcher is going
        armed_ = false;
        on_timer();
    });
}

void disconnect_watcher::on_timer() {
    const auto now = clock::now();
    while (head_ && head_->since_ + delay_ <= now) {
        ticket& t = *head_;
        remove(t);
        t.start(t.owner);  // may add or remove other tickets
    }
    if (head_ && !armed_ && timer_) arm(head_->since_ + delay_);
}

}  // namespace tokentap::proxy
