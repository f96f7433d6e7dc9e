// async_receive_noting_empty: a receive that empties the socket leaves the next one to wait for
// epoll (no system call that finds nothing), and nothing that comes later, the end of the stream
// and a reset included, is missed.
#include <doctest/doctest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "tokentap/reactor_receive.hpp"

namespace tokentap {

namespace {

// A connected loopback pair: `socket` received from with async_receive_noting_empty, `peer`
// written by the test (blocking).
struct socket_pair {
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
    tcp::socket peer{ioc};
    tcp::socket socket{ioc};
    std::array<char, 64> room{};
    std::optional<std::string> got;  // what the pending receive got, once it completed
    net::cancellation_signal cancel;

    socket_pair() {
        socket.connect(acceptor.local_endpoint());
        acceptor.accept(peer);
        peer.set_option(tcp::no_delay(true));
    }
    void send(std::string_view bytes) { net::write(peer, net::buffer(bytes)); }
    // Starts a receive of at most `size` bytes (it may complete in run_for).
    void start_receive(std::size_t size) {
        got.reset();
        async_receive_noting_empty(socket, net::buffer(room.data(), size),
                                   net::bind_cancellation_slot(cancel.slot(), [this](error_code ec, std::size_t n) {
                                       got = ec ? "error: " + ec.message() : std::string(room.data(), n);
                                   }));
    }
    void run_for(std::chrono::milliseconds time) {
        ioc.restart();
        ioc.run_for(time);
    }
    // Receives and runs until the receive completes or `time` passes.
    std::optional<std::string> receive(std::size_t size, std::chrono::milliseconds time) {
        start_receive(size);
        ioc.restart();
        const auto end = std::chrono::steady_clock::now() + time;
        while (!got && std::chrono::steady_clock::now() < end) ioc.run_one_for(std::chrono::milliseconds(10));
        return got;
    }
};

constexpr auto moment = std::chrono::milliseconds(100);
const std::string end_of_stream = "error: " + error_code(net::error::eof).message();

}  // namespace

TEST_SUITE("server/reactor_receive") {

TEST_CASE("bytes are received as they come, in a socket that is blocking or not") {
    for (bool non_blocking : {false, true}) {
        socket_pair p;
        p.socket.non_blocking(non_blocking);
        p.send("abc");
        CHECK(p.receive(16, moment) == "abc");
        p.start_receive(16);  // pending first, then the bytes come
        p.run_for(moment);
        CHECK_FALSE(p.got.has_value());
        p.send("de");
        p.run_for(moment);
        CHECK(p.got == "de");
        p.send("fgh");  // come while no receive is pending
        p.run_for(moment);
        CHECK(p.receive(16, moment) == "fgh");
    }
}

TEST_CASE("after a receive that emptied the socket, the next one waits for epoll instead of trying at once") {
    if (!keeps_read_readiness) return;
    socket_pair p;
    p.send("abc");
    REQUIRE(p.receive(16, moment) == "abc");  // fewer bytes than room: the socket is empty
    const auto empty_before = empty_receives_on_this_thread();
    p.start_receive(16);
    p.run_for(moment);
    CHECK_FALSE(p.got.has_value());
    p.send("de");
    p.run_for(moment);
    CHECK(p.got == "de");
    p.send("fgh");
    p.run_for(moment);
    CHECK(p.receive(16, moment) == "fgh");
    CHECK(empty_receives_on_this_thread() == empty_before);  // no receive found the socket empty
}

TEST_CASE("a receive that filled its room leaves the socket to be tried at once") {
    socket_pair p;
    p.send("abcdefghij");
    REQUIRE(p.receive(4, moment) == "abcd");
    // No new report comes from epoll for the 6 bytes left: they are read because the socket was not
    // taken for empty.
    CHECK(p.receive(16, moment) == "efghij");
}

TEST_CASE("the end of the stream that came with the last bytes is not missed") {
    // The bytes and the end of the stream are both there when epoll reports the socket: the
    // receive that takes the bytes is short, yet the socket is not empty.
    socket_pair p;
    p.start_receive(16);  // waits for epoll
    p.send("abc");
    p.peer.shutdown(tcp::socket::shutdown_send);
    p.run_for(moment);
    REQUIRE(p.got == "abc");
    CHECK(p.receive(16, std::chrono::seconds(2)) == end_of_stream);
}

TEST_CASE("the end of the stream after the socket was emptied is received") {
    socket_pair p;
    p.send("abc");
    REQUIRE(p.receive(16, moment) == "abc");
    p.start_receive(16);
    p.run_for(moment);
    p.peer.shutdown(tcp::socket::shutdown_send);
    p.run_for(moment);
    CHECK(p.got == end_of_stream);
}

TEST_CASE("a reset that came with the last bytes ends the receives with an error") {
    socket_pair p;
    p.start_receive(16);
    p.send("abc");
    p.peer.set_option(net::socket_base::linger(true, 0));
    p.peer.close();  // a reset
    p.run_for(moment);
    REQUIRE(p.got.has_value());
    std::optional<std::string> last = p.got;
    for (int i = 0; i < 3 && last && last->rfind("error: ", 0) != 0; ++i) last = p.receive(16, std::chrono::seconds(2));
    REQUIRE(last.has_value());
    CHECK(last->rfind("error: ", 0) == 0);
}

TEST_CASE("a pending receive is cancelled by the socket's cancel and by its own cancellation slot") {
    socket_pair p;
    p.send("abc");
    REQUIRE(p.receive(16, moment) == "abc");
    const std::string aborted = "error: " + error_code(net::error::operation_aborted).message();
    p.start_receive(16);
    p.run_for(moment);
    p.socket.cancel();
    p.run_for(moment);
    CHECK(p.got == aborted);

    p.start_receive(16);
    p.run_for(moment);
    p.cancel.emit(net::cancellation_type::terminal);
    p.run_for(moment);
    CHECK(p.got == aborted);

    p.send("de");  // the socket still works
    CHECK(p.receive(16, moment) == "de");
}

TEST_CASE("a closed socket fails at once") {
    socket_pair p;
    p.socket.close();
    CHECK(p.receive(16, moment) == "error: " + error_code(net::error::bad_descriptor).message());
}

}  // TEST_SUITE

}  // namespace tokentap
