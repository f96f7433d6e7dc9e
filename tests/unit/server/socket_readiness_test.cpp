// note_read_drained: after it, a socket's next read waits for epoll to report data instead of trying
// at once; data that arrives after the read which emptied the socket is always reported.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "tokentap/socket_readiness.hpp"

namespace tokentap {

namespace {

// A connected loopback pair: `socket` read asynchronously, `peer` written by the test.
struct socket_pair {
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
    tcp::socket peer{ioc};
    tcp::socket socket{ioc};
    std::array<char, 64> room{};
    std::optional<std::string> got;  // what the pending read received, once it completed

    socket_pair() {
        socket.connect(acceptor.local_endpoint());
        acceptor.accept(peer);
        peer.set_option(tcp::no_delay(true));
    }
    void send(std::string_view bytes) { net::write(peer, net::buffer(bytes)); }
    // Starts a read of at most `size` bytes and runs the io_context for `time`.
    void start_read(std::size_t size) {
        got.reset();
        socket.async_read_some(net::buffer(room.data(), size), [this](error_code ec, std::size_t n) {
            got = ec ? "error: " + ec.message() : std::string(room.data(), n);
        });
    }
    void run_for(std::chrono::milliseconds time) {
        ioc.restart();
        ioc.run_for(time);
    }
};

constexpr auto moment = std::chrono::milliseconds(100);

}  // namespace

TEST_SUITE("server/socket_readiness") {

TEST_CASE("after a drained read, data that arrives later is read") {
    socket_pair p;
    p.send("abc");
    p.start_read(16);
    p.run_for(moment);
    REQUIRE(p.got == "abc");
    note_read_drained(p.socket);  // as read_eagerly does after a short read

    p.send("defgh");  // arrives while no read is pending
    p.run_for(moment);
    p.start_read(16);
    p.run_for(moment);
    CHECK(p.got == "defgh");

    note_read_drained(p.socket);
    p.start_read(16);  // pending first, then the data comes
    p.run_for(moment);
    CHECK_FALSE(p.got.has_value());
    p.send("ij");
    p.run_for(moment);
    CHECK(p.got == "ij");
}

TEST_CASE("after a drained read, the next read waits for epoll instead of trying at once") {
    if (!keeps_read_readiness) return;
    socket_pair p;
    p.send("abcdefghij");
    p.start_read(4);
    p.run_for(moment);
    REQUIRE(p.got == "abcd");

    // Without the note, Asio tries at once and finds the 6 bytes left, although epoll has no news.
    p.start_read(2);
    p.run_for(moment);
    CHECK(p.got == "ef");

    // Noted as drained (wrongly here: 4 bytes are left), the read waits for epoll's next report,
    // which new data brings. This is what spares a read after a short one its system call.
    note_read_drained(p.socket);
    p.start_read(16);
    p.run_for(moment);
    CHECK_FALSE(p.got.has_value());
    p.send("k");
    p.run_for(moment);
    CHECK(p.got == "ghijk");
}

}  // TEST_SUITE

}  // namespace tokentap
