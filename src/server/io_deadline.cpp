#include "tokentap/io_deadline.hpp"

namespace tokentap {

io_deadline::io_deadline(net::any_io_executor ex, std::function<void()> on_expire)
    : state_(std::make_shared<state>(std::move(ex))) {
    state_->on_expire = std::move(on_expire);
}

io_deadline::~io_deadline() {
    state_->on_expire = nullptr;
    state_->timer.cancel();
}

void io_deadline::expires_after(clock::duration d) {
    state_->deadline = clock::now() + d;
    state_->expired = false;
    // A later deadline waits for the armed timer to fire; only an earlier one re-arms it.
    if (!state_->armed || state_->deadline < state_->armed_until) arm(state_);
}

void io_deadline::expires_never() { state_->deadline = clock::time_point::max(); }

void io_deadline::arm(const std::shared_ptr<state>& s) {
    s->armed = true;
    s->armed_until = s->deadline;
    const unsigned generation = ++s->generation;
    s->timer.expires_at(s->deadline);  // cancels a pending wait, whose completion is then ignored
    s->timer.async_wait([s, generation](const error_code& ec) {
        if (generation != s->generation) return;
        s->armed = false;
        if (ec || !s->on_expire) return;  // cancelled: the owner is gone
        if (s->deadline == clock::time_point::max()) return;
        if (clock::now() < s->deadline) {  // moved while the timer ran: wait for the new one
            arm(s);
            return;
        }
        s->expired = true;
        s->on_expire();
    });
}

}  // namespace tokentap
