#pragma once
// A deadline for the operations on one connection that costs a store to move. Beast's per-operation
// timeouts arm and cancel a timer around every read and write (two more handler runs each); here one
// timer stays armed and is re-armed lazily, only when it fires before the current deadline.
// When the deadline passes, `on_expire` runs (it cancels the connection's operations) and expired()
// turns true, so callers can tell a timeout from other aborted operations. One thread only.

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>

#include "tokentap/net.hpp"

namespace tokentap {

class io_deadline {
public:
    using clock = std::chrono::steady_clock;

    io_deadline(net::any_io_executor ex, std::function<void()> on_expire);
    ~io_deadline();
    io_deadline(const io_deadline&) = delete;
    io_deadline& operator=(const io_deadline&) = delete;

    void expires_after(clock::duration d);
    void expires_never();
    bool expired() const { return state_->expired; }

private:
    struct state {
        explicit state(net::any_io_executor ex) : timer(std::move(ex)) {}
        net::steady_timer timer;
        clock::time_point deadline = clock::time_point::max();
        clock::time_point armed_until = clock::time_point::max();
        bool armed = false;
        unsigned generation = 0;  // of the pending wait; an older wait's completion is ignored
        bool expired = false;
        std::function<void()> on_expire;
    };
    static void arm(const std::shared_ptr<state>& s);

    std::shared_ptr<state> state_;
};

}  // namespace tokentap
