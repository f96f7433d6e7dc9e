#pragma once
// Reads one captured exchange into a GenAI call: parses the request and response bodies with the
// dialect of the route (decoding gzip/deflate first), or takes the facts its stream reader
// gathered, and works out error.type and whether anything could not be read. Pure; runs on the
// telemetry thread, never on the request path.

#include "tokentap/telemetry/exchange_capture.hpp"
#include "tokentap/telemetry/genai_call.hpp"

namespace tokentap::telemetry {

genai_call read_call(exchange_capture&& capture);

}  // namespace tokentap::telemetry
