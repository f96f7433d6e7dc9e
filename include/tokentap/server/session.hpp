#pragma once
// One coroutine per client connection: reads request headers (HTTP/1.1 keep-alive), answers admin
// endpoints and unknown routes locally, hands everything else to the forwarder, and writes one
// access log line per request.

#include "tokentap/net.hpp"
#include "tokentap/server/server_context.hpp"

namespace tokentap::server {

net::awaitable<void> run_session(tcp::socket socket, worker& w, server_context& ctx);

}  // namespace tokentap::server
