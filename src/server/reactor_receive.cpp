#include "tokentap/reactor_receive.hpp"

// The parts of Asio's epoll reactor that async_receive_noting_empty needs are private: the
// reactor's epoll descriptor, a socket's registered events and the events epoll last reported for
// it. They are reached here, for the one Asio version this was checked against
// (keeps_read_readiness).

namespace tokentap {

namespace {
thread_local std::uint64_t empty_receives = 0;
}

std::uint64_t empty_receives_on_this_thread() { return empty_receives; }

#if TOKENTAP_KEEPS_READ_READINESS
namespace receive_detail {

namespace {

using descriptor_state = reactor::descriptor_state;
using operation = net::detail::scheduler_operation;

// A pointer to a private member may be named in an explicit instantiation (the usual access checks
// do not apply there); the friend function hands it out.
template <class Tag, typename Tag::type Member>
struct member_pointer_of {
    friend typename Tag::type member_pointer(Tag) { return Member; }
};
struct epoll_fd_member {
    using type = int reactor::*;
    friend type member_pointer(epoll_fd_member);
};
struct reactor_member {  // the reactor a socket is registered with
    using type = reactor* descriptor_state::*;
    friend type member_pointer(reactor_member);
};
struct registered_events_member {
    using type = std::uint32_t descriptor_state::*;
    friend type member_pointer(registered_events_member);
};
struct task_result_member {  // where the reactor puts the events epoll reported
    using type = unsigned int operation::*;
    friend type member_pointer(task_result_member);
};
template struct member_pointer_of<epoll_fd_member, &reactor::epoll_fd_>;
template struct member_pointer_of<reactor_member, &descriptor_state::reactor_>;
template struct member_pointer_of<registered_events_member, &descriptor_state::registered_events_>;
template struct member_pointer_of<task_result_member, &operation::task_result_>;

// A class derived from the socket may form a pointer to its protected implementation.
struct socket_implementation : tcp::socket {
    static auto& of(tcp::socket& s) { return s.*(&socket_implementation::impl_); }
};

}  // namespace

error_code prepare(tcp::socket& socket, socket_parts& parts) {
    auto& io = socket_implementation::of(socket);
    auto& impl = io.get_implementation();
    descriptor_state* state = impl.reactor_data_;
    if (impl.socket_ == net::detail::invalid_socket || state == nullptr) return net::error::bad_descriptor;
    error_code ec;
    if (!(impl.state_ & net::detail::socket_ops::non_blocking) &&
        !net::detail::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, ec))
        return ec;
    reactor& r = *(state->*member_pointer(reactor_member{}));
    auto& registered = state->*member_pointer(registered_events_member{});
    if (registered != 0 && !(registered & EPOLLRDHUP)) {
        // Modifying an edge-triggered registration reports the socket again if it is readable now,
        // so nothing that came before this is missed.
        epoll_event ev{};
        ev.events = registered | EPOLLRDHUP;
        ev.data.ptr = state;
        if (::epoll_ctl(r.*member_pointer(epoll_fd_member{}), EPOLL_CTL_MOD, impl.socket_, &ev) != 0)
            return error_code(errno, net::error::get_system_category());
        registered |= EPOLLRDHUP;
    }
    // A C-style cast may convert to a base that is not accessible (descriptor_state's operation).
    const auto* events_of = (const operation*)state;
    parts = {&r, &impl.reactor_data_, &(events_of->*member_pointer(task_result_member{})), impl.socket_};
    return {};
}

void count_empty_receive() { ++empty_receives; }

}  // namespace receive_detail
#endif

}  // namespace tokentap
