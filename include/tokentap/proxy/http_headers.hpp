#pragma once
// Header rules of a forwarding proxy (RFC 9110 section 7.6.1): hop-by-hop fields are dropped, every
// other field passes untouched in its original order and spelling. Pure.

#include <boost/beast/http/fields.hpp>

#include <string_view>
#include <vector>

#include "tokentap/proxy/response_head.hpp"

namespace tokentap::proxy {

// connection, keep-alive, proxy-connection, proxy-authenticate, proxy-authorization, te, trailer,
// transfer-encoding, upgrade.
bool is_hop_by_hop(std::string_view name);
bool is_hop_by_hop(boost::beast::http::field code);

// Removes the hop-by-hop fields of a message received, and the fields its `Connection` names, so
// that it can be sent on: the end-to-end fields stay in place (moving a message's fields costs
// nothing, copying them an allocation each). Content-Length is kept; framing is the caller's.
void remove_hop_by_hop(boost::beast::http::fields& f);

// The same rule for a flat head that is sent on field by field. hop_by_hop_names gives the names
// its Connection fields list when one of them names a field beyond close and the fixed list (all
// of them then, as remove_hop_by_hop drops them); usually none, and nothing is allocated.
std::vector<std::string_view> hop_by_hop_names(const response_head& head);
bool is_hop_by_hop(const head_field& f, const std::vector<std::string_view>& named);

}  // namespace tokentap::proxy
