#pragma once
// A receive on a plain TCP socket that tells Asio's epoll reactor when it emptied the socket, the
// way nginx keeps read readiness. Asio tries every receive at once before it waits for epoll
// (unless the last one hit the end of the stream), so the read after one that emptied the socket
// costs a system call that finds nothing: twice per proxied request (the upstream's response, the
// client's next request). This receive instead answers "done, and the socket is empty" to the
// reactor when it got fewer bytes than it had room for, and the reactor then waits for epoll's next
// report before it reads again (edge-triggered: bytes that come later are always reported).
//
// A short read alone does not prove the socket empty: the end of the stream (or a reset) may have
// come with the last bytes, and its report may be the one already handled; a receive that waited
// for another report would wait for ever. So the socket is registered with EPOLLRDHUP too, and a
// short read counts as emptying the socket only when the last report epoll gave for it carried no
// end of stream, hang-up or error. If the end came after that report, a new report is on its way.
// The decision is made inside the reactor's own step that performs the receive, so no report
// handled in between can be lost.
//
// Asio (1.81) has no public way to do this: the reactor's epoll descriptor, a socket's registered
// events and its last reported events are private; reactor_receive.cpp reaches them, for
// the one Asio version this was checked against (keeps_read_readiness). Elsewhere the receive is
// the socket's own async_read_some. Only for sockets whose io_context runs on one thread.

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/version.hpp>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "tokentap/net.hpp"

namespace tokentap {

#if BOOST_VERSION == 108100 && defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#define TOKENTAP_KEEPS_READ_READINESS 1
#else
#define TOKENTAP_KEEPS_READ_READINESS 0
#endif
inline constexpr bool keeps_read_readiness = TOKENTAP_KEEPS_READ_READINESS;

// Receives that found the socket empty, on this thread (a receive that waits for epoll first does
// not count): what keeping readiness saves, for tests.
std::uint64_t empty_receives_on_this_thread();

#if TOKENTAP_KEEPS_READ_READINESS
namespace receive_detail {

using reactor = net::detail::epoll_reactor;

// What a receive needs of its socket, from Asio's private state (reactor_receive.cpp).
struct socket_parts {
    reactor* r = nullptr;
    reactor::per_descriptor_data* state = nullptr;  // the socket's registration
    const unsigned* last_events = nullptr;          // epoll's last report for it
    int fd = -1;
};

// Reaches the socket's parts, registers EPOLLRDHUP on first use and puts the socket in
// non-blocking mode. Returns an error when the socket is not open or not registered.
error_code prepare(tcp::socket& socket, socket_parts& parts);

void count_empty_receive();

// Whether epoll's report may hide a pending end of stream or error.
inline bool reported_end(unsigned events) { return (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0; }

template <class Handler, class IoExecutor>
class receive_op : public net::detail::reactor_op {
public:
    BOOST_ASIO_DEFINE_HANDLER_PTR(receive_op);

    receive_op(const socket_parts& parts, net::mutable_buffer room, Handler& handler, const IoExecutor& ex)
        : reactor_op(error_code{}, &receive_op::perform_receive, &receive_op::complete_receive),
          fd_(parts.fd), last_events_(parts.last_events), room_(room), handler_(std::move(handler)),
          work_(handler_, ex) {}

private:
    // Runs in the reactor: at once when the socket may have bytes, else when epoll reports it.
    static status perform_receive(reactor_op* base) {
        auto* o = static_cast<receive_op*>(base);
        for (;;) {
            const auto n = ::recv(o->fd_, o->room_.data(), o->room_.size(), 0);
            if (n > 0) {
                o->bytes_transferred_ = static_cast<std::size_t>(n);
                const bool emptied = static_cast<std::size_t>(n) < o->room_.size() && !reported_end(*o->last_events_);
                return emptied ? done_and_exhausted : done;
            }
            if (n == 0) {
                o->ec_ = net::error::eof;
                return done_and_exhausted;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                count_empty_receive();
                return not_done;
            }
            o->ec_ = error_code(errno, net::error::get_system_category());
            return done;
        }
    }

    static void complete_receive(void* owner, net::detail::operation* base, const error_code&, std::size_t) {
        auto* o = static_cast<receive_op*>(base);
        ptr p = {std::addressof(o->handler_), o, o};
        net::detail::handler_work<Handler, IoExecutor> work(std::move(o->work_));
        // The handler is moved out before the operation's memory is freed: it may own that memory.
        net::detail::binder2<Handler, error_code, std::size_t> call(o->handler_, o->ec_, o->bytes_transferred_);
        p.h = std::addressof(call.handler_);
        p.reset();
        if (owner) {
            net::detail::fenced_block b(net::detail::fenced_block::half);
            work.complete(call, call.handler_);
        }
    }

    int fd_;
    const unsigned* last_events_;
    net::mutable_buffer room_;
    Handler handler_;
    net::detail::handler_work<Handler, IoExecutor> work_;
};

// Cancels a pending receive when its handler's cancellation slot is emitted.
class receive_cancellation {
public:
    receive_cancellation(reactor* r, reactor::per_descriptor_data* state, int fd) : r_(r), state_(state), fd_(fd) {}
    void operator()(net::cancellation_type_t type) {
        if (!!(type & (net::cancellation_type::terminal | net::cancellation_type::partial |
                       net::cancellation_type::total)))
            r_->cancel_ops_by_key(fd_, *state_, reactor::read_op, this);
    }

private:
    reactor* r_;
    reactor::per_descriptor_data* state_;
    int fd_;
};

struct initiate_receive {
    template <class Handler>
    void operator()(Handler&& handler, tcp::socket* socket, net::mutable_buffer room) const {
        using handler_type = std::decay_t<Handler>;
        using op = receive_op<handler_type, tcp::socket::executor_type>;
        socket_parts parts;
        error_code ec = prepare(*socket, parts);
        if (ec || room.size() == 0) {  // an empty room reads nothing, at once
            net::post(socket->get_executor(), net::detail::bind_handler(std::move(handler), ec, std::size_t{0}));
            return;
        }
        const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
        auto slot = net::get_associated_cancellation_slot(handler);
        typename op::ptr p = {std::addressof(handler), op::ptr::allocate(handler), nullptr};
        p.p = new (p.v) op(parts, room, handler, socket->get_executor());
        if (slot.is_connected())
            p.p->cancellation_key_ = &slot.template emplace<receive_cancellation>(parts.r, parts.state, parts.fd);
        parts.r->start_op(reactor::read_op, parts.fd, *parts.state, p.p, is_continuation, true);
        p.v = p.p = nullptr;
    }
};

}  // namespace receive_detail
#endif

// Receives some bytes into `room`, as socket.async_read_some does, and, when they emptied the
// socket, leaves it to epoll to say when there are more. Completes with (error_code, bytes).
template <class Token>
auto async_receive_noting_empty(tcp::socket& socket, net::mutable_buffer room, Token&& token) {
#if TOKENTAP_KEEPS_READ_READINESS
    return net::async_initiate<Token, void(error_code, std::size_t)>(receive_detail::initiate_receive{},
                                                                       token, &socket, room);
#else
    return socket.async_read_some(room, std::forward<Token>(token));
#endif
}

}  // namespace tokentap
