#include "tokentap/socket_readiness.hpp"

// Asio keeps "try a read at once" per descriptor in its epoll reactor's descriptor_state
// (try_speculative_: set when epoll reports the descriptor, cleared only at the end of a stream).
// Neither it nor the socket's reactor data is public; both are reached here, for the one Asio
// version whose reactor this was checked against (keeps_read_readiness).

namespace tokentap {

#if TOKENTAP_KEEPS_READ_READINESS
namespace {

using descriptor_state = net::detail::epoll_reactor::descriptor_state;
constexpr int op_kinds = net::detail::epoll_reactor::max_ops;

// A pointer to a private member may be named in an explicit instantiation (the usual access checks
// do not apply there); the friend function hands it out.
struct try_speculative_member {
    using type = bool (descriptor_state::*)[op_kinds];
    friend type member_pointer(try_speculative_member);
};
template <class Tag, typename Tag::type Member>
struct member_pointer_of {
    friend typename Tag::type member_pointer(Tag) { return Member; }
};
template struct member_pointer_of<try_speculative_member, &descriptor_state::try_speculative_>;

// A class derived from the socket may form a pointer to its protected implementation.
struct socket_implementation : tcp::socket {
    static auto& of(tcp::socket& s) { return s.*(&socket_implementation::impl_); }
};

}  // namespace

void note_read_drained(tcp::socket& socket) {
    descriptor_state* state = socket_implementation::of(socket).get_implementation().reactor_data_;
    if (state) (state->*member_pointer(try_speculative_member{}))[net::detail::epoll_reactor::read_op] = false;
}
#else
void note_read_drained(tcp::socket&) {}
#endif

}  // namespace tokentap
