#include "tokentap/proxy/disconnect_watcher.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <vector>

using tokentap::proxy::disconnect_watcher;
using namespace std::chrono_literals;
using clock_type = disconnect_watcher::clock;

namespace {
// A ticket that records when it was started, in the order tickets start.
struct watched {
    disconnect_watcher::ticket ticket;
    std::vector<int>* order = nullptr;
    int id = 0;
    clock_type::time_point started{};

    watched(std::vector<int>& o, int i) : order(&o), id(i) {
        ticket.owner = this;
        ticket.start = [](void* self) {
            auto* w = static_cast<watched*>(self);
            w->started = clock_type::now();
            w->order->push_back(w->id);
        };
    }
};

// A watcher bound to its own io_context, and the order its tickets start in.
struct bound_watcher {
    explicit bound_watcher(std::chrono::milliseconds delay) : watcher(delay) { watcher.bind(ioc.get_executor()); }
    ~bound_watcher() { watcher.stop(); }
    boost::asio::io_context ioc;
    disconnect_watcher watcher;
    std::vector<int> order;
};
}  // namespace

TEST_CASE("a ticket still queued after the delay is started, once, and no sooner") {
    bound_watcher f(20ms);
    auto& [ioc, watcher, order] = f;
    watched a(order, 1);
    const auto t0 = clock_type::now();
    watcher.add(a.ticket, t0);
    watcher.add(a.ticket, t0);  // already queued: no second entry
    CHECK(watcher.queued() == 1);
    ioc.run_for(100ms);
    REQUIRE(order == std::vector<int>{1});
    CHECK(a.started - t0 >= 20ms);
    CHECK_FALSE(a.ticket.queued());
    CHECK(watcher.queued() == 0);
}

TEST_CASE("a ticket taken back before the delay is never started") {
    bound_watcher f(20ms);
    auto& [ioc, watcher, order] = f;
    watched a(order, 1), b(order, 2), c(order, 3);
    const auto now = clock_type::now();
    watcher.add(a.ticket, now);
    watcher.add(b.ticket, now);
    watcher.add(c.ticket, now);
    watcher.remove(b.ticket);  // from the middle
    watcher.remove(b.ticket);  // twice: nothing
    CHECK(watcher.queued() == 2);
    ioc.run_for(100ms);
    CHECK(order == std::vector<int>{1, 3});
}

TEST_CASE("tickets added later wait their own delay: the timer re-arms for them") {
    bound_watcher f(30ms);
    auto& [ioc, watcher, order] = f;
    watched early(order, 1), late(order, 2);
    watcher.add(early.ticket, clock_type::now());
    ioc.run_for(15ms);
    const auto late_added = clock_type::now();
    watcher.add(late.ticket, late_added);
    ioc.run_for(22ms);  // the first is due, the second not yet
    CHECK(order == std::vector<int>{1});
    ioc.run_for(100ms);
    REQUIRE(order == std::vector<int>{1, 2});
    CHECK(late.started - late_added >= 30ms);
}

TEST_CASE("nothing is started after stop(), and tickets can still be taken back") {
    boost::asio::io_context ioc;
    std::vector<int> order;
    watched a(order, 1);
    {
        disconnect_watcher watcher(10ms);
        watched unbound(order, 9);
        watcher.add(unbound.ticket, clock_type::now());  // not bound yet: not queued
        CHECK_FALSE(unbound.ticket.queued());
        watcher.bind(ioc.get_executor());
        watcher.add(a.ticket, clock_type::now());
        watcher.stop();
        CHECK(a.ticket.queued());
        watcher.remove(a.ticket);
        CHECK_FALSE(a.ticket.queued());
        ioc.run_for(50ms);  // the cancelled wait completes with the watcher alive
    }
    ioc.run_for(20ms);
    CHECK(order.empty());
}
