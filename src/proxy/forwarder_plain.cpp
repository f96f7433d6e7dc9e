// The forwarder's per-stream code for plain TCP upstreams (see exchange_forwarder.hpp).
#include "exchange_forwarder.hpp"

namespace tokentap::proxy::detail {

template net::awaitable<attempt_result> exchange_forwarder::attempt(
    upstream::upstream_connection::plain_stream&, upstream::upstream_connection&);

}  // namespace tokentap::proxy::detail
