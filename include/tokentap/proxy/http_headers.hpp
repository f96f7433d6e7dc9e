#pragma once
// Header rules of a forwarding proxy (RFC 9110 section 7.6.1): hop-by-hop fields are dropped, every
// other field passes untouched in its original order and spelling. Pure.

#include <boost/beast/http/fields.hpp>

#include <string_view>

namespace tokentap::proxy {

// connection, keep-alive, proxy-connection, proxy-authenticate, proxy-authorization, te, trailer,
// transfer-encoding, upgrade.
bool is_hop_by_hop(std::string_view name);

// Copies every end-to-end field of `from` into `to`: skips hop-by-hop fields and the fields that
// `Connection` names. Content-Length is kept; framing is decided by the caller.
void copy_end_to_end(const boost::beast::http::fields& from, boost::beast::http::fields& to);

}  // namespace tokentap::proxy
