#pragma once
// Tells an exchange when to start watching its client's connection. Watching costs a socket
// operation and a system call per exchange, which a call answered in microseconds (a local model,
// a cached answer, the bench's fake provider) does not need: a client can only be seen to leave
// while tokentap waits. So an exchange queues a ticket when it has sent its request, and the
// tickets still queued `delay` later are started (ticket::start) by one timer per worker thread;
// an exchange that ends sooner takes its ticket back and is never watched. A client that leaves
// a long call is noticed within `delay` plus a moment.
//
// One thread only (the worker's). bind() makes the timer; stop() must drop it before the io_context
// it runs on is destroyed. Tickets may still be taken back after that (the watcher outlives the
// exchanges that a destroyed io_context destroys).

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

#include "tokentap/net.hpp"

namespace tokentap::proxy {

class disconnect_watcher {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds default_delay{50};

    // An exchange's place in the queue (intrusive: queuing allocates nothing).
    struct ticket {
        void (*start)(void* owner) = nullptr;  // called once, if the ticket is still queued after the delay
        void* owner = nullptr;
        bool queued() const { return queued_; }

    private:
        friend class disconnect_watcher;
        ticket* prev_ = nullptr;
        ticket* next_ = nullptr;
        clock::time_point since_{};
        bool queued_ = false;
    };

    explicit disconnect_watcher(std::chrono::milliseconds delay = default_delay) : delay_(delay) {}
    ~disconnect_watcher();
    disconnect_watcher(const disconnect_watcher&) = delete;
    disconnect_watcher& operator=(const disconnect_watcher&) = delete;

    void bind(const net::any_io_executor& ex);  // the timer runs there
    // Queues `t` as of `now` (nothing when it is queued already, or before bind(), or after stop()):
    // its start runs after the delay unless it is removed first.
    void add(ticket& t, clock::time_point now);
    // Takes `t` back if it is still queued.
    void remove(ticket& t);
    // Drops the timer; queued tickets are not started any more.
    void stop();

    std::size_t queued() const { return size_; }

private:
    void arm(clock::time_point at);
    void on_timer();

    std::chrono::milliseconds delay_;
    ticket* head_ = nullptr;  // oldest first: tickets are added in time order
    ticket* tail_ = nullptr;
    std::size_t size_ = 0;
    std::unique_ptr<net::steady_timer> timer_;
    bool armed_ = false;
};

}  // namespace tokentap::proxy
