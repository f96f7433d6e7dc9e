#pragma once
// Read readiness kept the way nginx keeps it. Asio tries every read at once before it waits for
// epoll, unless the last read hit the end of the stream; so a read that follows a read which emptied
// the socket costs a system call that finds nothing (about 1.2 us on these virtual machines, twice
// per proxied request: the client's next request, the upstream's response). After a short read the
// socket is known empty until epoll reports new data (edge-triggered: new data is always reported),
// and the next read can wait for that report at once.

#include <boost/version.hpp>

#include "tokentap/net.hpp"

namespace tokentap {

// Whether note_read_drained does anything: only with the Asio reactor it was written against
// (Boost 1.81, epoll).
#if BOOST_VERSION == 108100 && defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#define TOKENTAP_KEEPS_READ_READINESS 1
#else
#define TOKENTAP_KEEPS_READ_READINESS 0
#endif
inline constexpr bool keeps_read_readiness = TOKENTAP_KEEPS_READ_READINESS;

// The last read on `socket` returned fewer bytes than it had room for: until epoll reports the socket
// readable again, its next read waits instead of trying first. Only for sockets whose reads and
// epoll events are handled on the calling thread (one io_context per thread). Does nothing unless
// keeps_read_readiness.
void note_read_drained(tcp::socket& socket);

}  // namespace tokentap
