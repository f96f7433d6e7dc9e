#pragma once
// Aliases shared by the I/O shell (server/, upstream/, proxy/forwarder): coroutines on Asio with
// expected outcomes returned as error codes (as_tuple), never thrown.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace tokentap {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Completion token for `co_await op(..., use_nothrow)`: yields a tuple (error_code, results...).
inline constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

}  // namespace tokentap
