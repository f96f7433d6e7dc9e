#pragma once
// Reads the YAML config file and validates it. Every problem is reported as a config_error whose
// message names the source and line ("tokentap.yaml:7: routes[1].upstream: ...").

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tokentap/config/config.hpp"

namespace tokentap::config {

struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

config load_config_file(const std::string& path);
config load_config_text(std::string_view yaml, std::string_view source_name);

// "http://host:port/base" or "https://host/base". Returns the reason on failure.
std::optional<upstream_url> parse_upstream_url(std::string_view text, std::string* why = nullptr);
// "127.0.0.1:8788", "0.0.0.0:8788", "[::1]:8788".
std::optional<listen_address> parse_listen_address(std::string_view text, std::string* why = nullptr);

}  // namespace tokentap::config
