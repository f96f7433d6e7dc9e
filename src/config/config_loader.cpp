#include "tokentap/config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace tokentap::config {

namespace {

// Carries the source name so every message can say "file:line: what".
struct reader {
    std::string source;

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        const auto line = at.Mark().line;
        std::string where = line >= 0 ? source + ":" + std::to_string(line + 1) : source;
        throw config_error(where + ": " + what);
    }

    void expect_map(const YAML::Node& n, const std::string& name,
                    const std::set<std::string>& allowed) const {
        if (!n.IsMap()) fail(n, name + " must be a mapping");
        std::set<std::string> seen;
        for (const auto& kv : n) {
            const auto key = kv.first.as<std::string>();
            if (!allowed.count(key)) fail(kv.first, "unknown key '" + key + "' in " + name);
            // yaml-cpp keeps duplicate keys and lookups see the first: a second one would be ignored.
            if (!seen.insert(key).second) fail(kv.first, "key '" + key + "' appears twice in " + name);
        }
    }

    std::string text(const YAML::Node& n, const std::string& name) const {
        if (!n.IsScalar()) fail(n, name + " must be a string");
        return n.as<std::string>();
    }

    double number(const YAML::Node& n, const std::string& name, double min) const {
        double v = 0;
        if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
            fail(n, name + " must be a number");
        if (v < min) fail(n, name + " must be at least " + std::to_string(min));
        return v;
    }

    std::size_t count(const YAML::Node& n, const std::string& name, std::size_t min,
                      std::size_t max = std::size_t(1) << 48) const {
        const auto s = text(n, name);
        std::size_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc{} || end != s.data() + s.size()) fail(n, name + " must be a whole number");
        if (v < min) fail(n, name + " must be at least " + std::to_string(min));
        if (v > max) fail(n, name + " must be at most " + std::to_string(max));
        return v;
    }

    bool flag(const YAML::Node& n, const std::string& name) const {
        bool v = false;
        if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(n, name + " must be true or false");
        return v;
    }

    duration seconds(const YAML::Node& n, const std::string& name) const {
        const double s = number(n, name, 0.001);
        if (s > 1e7) fail(n, name + " must be at most 10000000 seconds");
        return duration(static_cast<long long>(std::llround(s * 1000)));
    }
};

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// aws_sigv4: {region, service}. The region may be left out when the upstream host names it
// (bedrock-runtime.<region>.amazonaws.com).
aws_signing read_aws_signing(const reader& r, const YAML::Node& n, const std::string& name, const upstream_url& up) {
    r.expect_map(n, name, {"region", "service"});
    aws_signing s;
    if (n["region"]) s.region = r.text(n["region"], name + ".region");
    if (n["service"]) s.service = r.text(n["service"], name + ".service");
    if (s.region.empty()) {
        static constexpr std::string_view runtime = "bedrock-runtime.";
        const std::string_view host = up.host;
        if (host.starts_with(runtime) && host.ends_with(".amazonaws.com")) {
            auto rest = host.substr(runtime.size());
            s.region = std::string(rest.substr(0, rest.find('.')));
        }
    }
    if (s.region.empty()) r.fail(n, name + " needs 'region' (the upstream host does not name one)");
    if (s.service.empty()) r.fail(n, name + ".service must not be empty");
    s.access_key_id = env_or_empty("AWS_ACCESS_KEY_ID");
    s.secret_access_key = env_or_empty("AWS_SECRET_ACCESS_KEY");
    s.session_token = env_or_empty("AWS_SESSION_TOKEN");
    if (s.access_key_id.empty() || s.secret_access_key.empty())
        r.fail(n, name + ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if temporary)");
    return s;
}

rate_limit_rule read_rule(const reader& r, const YAML::Node& n, const std::string& name) {
    r.expect_map(n, name, {"requests_per_minute", "tokens_per_minute"});
    rate_limit_rule rule;
    if (n["requests_per_minute"])
        rule.requests_per_minute = static_cast<std::int64_t>(r.count(n["requests_per_minute"], name + ".requests_per_minute", 1));
    if (n["tokens_per_minute"])
        rule.tokens_per_minute = static_cast<std::int64_t>(r.count(n["tokens_per_minute"], name + ".tokens_per_minute", 1));
    return rule;
}

// limits: {per_caller: {requests_per_minute, tokens_per_minute}, per_route: {...}}
route_limits read_route_limits(const reader& r, const YAML::Node& n, const std::string& name) {
    r.expect_map(n, name, {"per_caller", "per_route"});
    route_limits l;
    if (n["per_caller"]) l.per_caller = read_rule(r, n["per_caller"], name + ".per_caller");
    if (n["per_route"]) l.per_route = read_rule(r, n["per_route"], name + ".per_route");
    return l;
}

route read_route(const reader& r, const YAML::Node& n, std::size_t i) {
    const auto name = "routes[" + std::to_string(i) + "]";
    r.expect_map(n, name, {"prefix", "upstream", "provider", "telemetry", "aws_sigv4", "fallbacks", "limits"});
    for (const char* required : {"prefix", "upstream", "provider"})
        if (!n[required]) r.fail(n, name + " needs '" + required + "'");
    route out;
    out.prefix = r.text(n["prefix"], name + ".prefix");
    if (out.prefix.empty() || out.prefix.front() != '/')
        r.fail(n["prefix"], name + ".prefix must start with '/'");
    if (out.prefix.find_first_of("?# \t") != std::string::npos)
        r.fail(n["prefix"], name + ".prefix must be a plain path");
    while (out.prefix.size() > 1 && out.prefix.back() == '/') out.prefix.pop_back();
    std::string why;
    auto url = parse_upstream_url(r.text(n["upstream"], name + ".upstream"), &why);
    if (!url) r.fail(n["upstream"], name + ".upstream: " + why);
    out.upstream = *url;
    out.provider = r.text(n["provider"], name + ".provider");
    if (out.provider.empty()) r.fail(n["provider"], name + ".provider must not be empty");
    if (n["telemetry"]) out.telemetry = r.flag(n["telemetry"], name + ".telemetry");
    if (n["aws_sigv4"]) out.aws_sigv4 = read_aws_signing(r, n["aws_sigv4"], name + ".aws_sigv4", out.upstream);
    if (const auto list = n["fallbacks"]) {
        if (!list.IsSequence()) r.fail(list, name + ".fallbacks must be a list of upstream URLs");
        for (std::size_t j = 0; j < list.size(); ++j) {
            const auto what = name + ".fallbacks[" + std::to_string(j) + "]";
            auto fb = parse_upstream_url(r.text(list[j], what), &why);
            if (!fb) r.fail(list[j], what + ": " + why);
            out.fallbacks.push_back(std::move(*fb));
        }
    }
    if (n["limits"]) out.limits = read_route_limits(r, n["limits"], name + ".limits");
    return out;
}

void read_gateway(const reader& r, const YAML::Node& n, gateway_settings& g) {
    r.expect_map(n, "gateway", {"enabled", "retries", "limits", "redis"});
    if (n["enabled"]) g.enabled = r.flag(n["enabled"], "gateway.enabled");
    if (const auto t = n["retries"]) {
        r.expect_map(t, "gateway.retries", {"max_attempts", "initial_backoff", "max_backoff", "budget"});
        if (t["max_attempts"])
            g.retries.max_attempts = static_cast<int>(r.count(t["max_attempts"], "gateway.retries.max_attempts", 1, 20));
        if (t["initial_backoff"]) g.retries.initial_backoff = r.seconds(t["initial_backoff"], "gateway.retries.initial_backoff");
        if (t["max_backoff"]) g.retries.max_backoff = r.seconds(t["max_backoff"], "gateway.retries.max_backoff");
        if (t["budget"]) g.retries.budget = r.seconds(t["budget"], "gateway.retries.budget");
    }
    if (n["limits"]) g.limits = read_route_limits(r, n["limits"], "gateway.limits");
    if (const auto d = n["redis"]) {
        r.expect_map(d, "gateway.redis", {"address", "password", "key_prefix", "fail", "timeout"});
        redis_settings s;
        if (d["address"]) {
            std::string why;
            const auto text = r.text(d["address"], "gateway.redis.address");  // host:port, or host for 6379
            auto a = parse_listen_address(text.find(':') == std::string::npos ? text + ":6379" : text, &why);
            if (!a) r.fail(d["address"], "gateway.redis.address: " + why);
            s.host = a->host;
            s.port = a->port;
        }
        s.password = d["password"] ? r.text(d["password"], "gateway.redis.password") : env_or_empty("REDIS_PASSWORD");
        if (d["key_prefix"]) s.key_prefix = r.text(d["key_prefix"], "gateway.redis.key_prefix");
        if (d["fail"]) {
            const auto f = r.text(d["fail"], "gateway.redis.fail");
            if (f != "open" && f != "closed") r.fail(d["fail"], "gateway.redis.fail must be open or closed");
            s.fail_open = f == "open";
        }
        if (d["timeout"]) s.timeout = r.seconds(d["timeout"], "gateway.redis.timeout");
        g.redis = std::move(s);
    }
}

void read_timeouts(const reader& r, const YAML::Node& n, timeout_options& t) {
    r.expect_map(n, "timeouts",
                 {"connect", "response_header", "idle", "client_header", "keep_alive", "drain"});
    const std::pair<const char*, duration*> fields[] = {
        {"connect", &t.connect},     {"response_header", &t.response_header},
        {"idle", &t.idle},           {"client_header", &t.client_header},
        {"keep_alive", &t.keep_alive}, {"drain", &t.drain}};
    for (auto [key, field] : fields)
        if (n[key]) *field = r.seconds(n[key], std::string("timeouts.") + key);
}

void read_limits(const reader& r, const YAML::Node& n, limit_options& l) {
    r.expect_map(n, "limits", {"max_request_body", "max_request_header", "max_buffered_request"});
    if (n["max_request_body"]) l.max_request_body = r.count(n["max_request_body"], "limits.max_request_body", 1);
    if (n["max_request_header"])
        l.max_request_header = r.count(n["max_request_header"], "limits.max_request_header", 1024);
    if (n["max_buffered_request"])
        l.max_buffered_request = r.count(n["max_buffered_request"], "limits.max_buffered_request", 0);
}

// The OpenTelemetry environment variables tokentap honours, also accepted under `otel:`.
const std::set<std::string>& otel_keys() {
    static const std::set<std::string> keys = {
        "OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_EXPORTER",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
        "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
        "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
        "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_MAX_QUEUE_SIZE",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_MAX_CONCURRENT_EXPORTS", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_METRIC_EXPORT_INTERVAL",
        "OTEL_METRIC_EXPORT_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "OTEL_METRICS_EXPORTER",
        "OTEL_SEMCONV_STABILITY_OPT_IN"};
    return keys;
}

void read_telemetry(const reader& r, const YAML::Node& n, telemetry_settings& t) {
    r.expect_map(n, "telemetry", {"trace_file", "call_log", "metrics", "max_kept_bytes"});
    if (n["metrics"]) t.metrics = r.flag(n["metrics"], "telemetry.metrics");
    if (n["max_kept_bytes"]) t.max_kept_bytes = r.count(n["max_kept_bytes"], "telemetry.max_kept_bytes", 0);
    if (n["trace_file"]) t.trace_file = r.text(n["trace_file"], "telemetry.trace_file");
    if (n["call_log"]) {
        t.call_log = r.text(n["call_log"], "telemetry.call_log");
        bool b = false;
        if (YAML::convert<bool>::decode(n["call_log"], b)) t.call_log = b ? "on" : "off";
        if (t.call_log != "auto" && t.call_log != "on" && t.call_log != "off")
            r.fail(n["call_log"], "telemetry.call_log must be auto, on or off");
    }
}

void read_otel(const reader& r, const YAML::Node& n, telemetry_settings& t) {
    r.expect_map(n, "otel", otel_keys());
    for (const auto& kv : n) {
        const auto key = kv.first.as<std::string>();
        t.otel[key] = r.text(kv.second, "otel." + key);
    }
}

void read_pricing(const reader& r, const YAML::Node& n, pricing_settings& p) {
    r.expect_map(n, "pricing", {"file", "overrides"});
    if (n["file"]) p.file = r.text(n["file"], "pricing.file");
    const auto list = n["overrides"];
    if (!list) return;
    if (!list.IsSequence()) r.fail(list, "pricing.overrides must be a list");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto name = "pricing.overrides[" + std::to_string(i) + "]";
        const auto& o = list[i];
        r.expect_map(o, name, {"provider", "model", "input", "output", "cache_read", "cache_write", "cache_write_1h"});
        for (const char* required : {"provider", "model"})
            if (!o[required]) r.fail(o, name + " needs '" + required + "'");
        price_override po{r.text(o["provider"], name + ".provider"), r.text(o["model"], name + ".model")};
        const std::pair<const char*, std::optional<double>*> prices[] = {
            {"input", &po.input}, {"output", &po.output}, {"cache_read", &po.cache_read},
            {"cache_write", &po.cache_write}, {"cache_write_1h", &po.cache_write_1h}};
        for (auto [key, field] : prices)
            if (o[key]) *field = r.number(o[key], name + "." + key, 0);
        if (!po.input && !po.output) r.fail(o, name + " needs a price (input, output, ...)");
        p.overrides.push_back(std::move(po));
    }
}

config read_config(const reader& r, const YAML::Node& root) {
    config c;
    if (!root || root.IsNull()) return c;
    r.expect_map(root, "the config",
                 {"listen", "threads", "builtin_routes", "routes", "timeouts", "limits", "pool", "tls", "telemetry",
                  "otel", "pricing", "gateway"});
    std::string why;
    if (root["listen"]) {
        auto l = parse_listen_address(r.text(root["listen"], "listen"), &why);
        if (!l) r.fail(root["listen"], "listen: " + why);
        c.listen = *l;
    }
    if (root["threads"]) c.threads = static_cast<unsigned>(r.count(root["threads"], "threads", 0, 1024));
    if (root["builtin_routes"]) c.builtin_routes = r.flag(root["builtin_routes"], "builtin_routes");
    if (const auto routes = root["routes"]) {
        if (!routes.IsSequence()) r.fail(routes, "routes must be a list");
        std::set<std::string> seen;
        for (std::size_t i = 0; i < routes.size(); ++i) {
            auto rt = read_route(r, routes[i], i);
            if (!seen.insert(rt.prefix).second)
                r.fail(routes[i], "routes[" + std::to_string(i) + "]: prefix " + rt.prefix + " appears twice");
            c.routes.push_back(std::move(rt));
        }
    }
    if (root["timeouts"]) read_timeouts(r, root["timeouts"], c.timeouts);
    if (root["limits"]) read_limits(r, root["limits"], c.limits);
    if (const auto p = root["pool"]) {
        r.expect_map(p, "pool", {"max_idle_per_upstream", "idle_timeout"});
        if (p["max_idle_per_upstream"])
            c.pool.max_idle_per_upstream = r.count(p["max_idle_per_upstream"], "pool.max_idle_per_upstream", 0);
        if (p["idle_timeout"]) c.pool.idle_timeout = r.seconds(p["idle_timeout"], "pool.idle_timeout");
    }
    if (const auto t = root["tls"]) {
        r.expect_map(t, "tls", {"ca_file"});
        if (t["ca_file"]) c.tls.ca_file = r.text(t["ca_file"], "tls.ca_file");
    }
    if (root["telemetry"]) read_telemetry(r, root["telemetry"], c.telemetry);
    if (root["otel"]) read_otel(r, root["otel"], c.telemetry);
    if (root["pricing"]) read_pricing(r, root["pricing"], c.pricing);
    if (root["gateway"]) read_gateway(r, root["gateway"], c.gateway);
    if (c.routes.empty() && !c.builtin_routes) r.fail(root, "no routes: add routes or keep builtin_routes");
    return c;
}

bool valid_port(std::string_view s, std::uint16_t& out) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v > 65535) return false;
    out = static_cast<std::uint16_t>(v);
    return true;
}

// Splits "host:port" / "[v6]:port" / "host". Port stays empty when absent.
bool split_host_port(std::string_view hp, std::string& host, std::string_view& port) {
    if (!hp.empty() && hp.front() == '[') {
        const auto close = hp.find(']');
        if (close == std::string_view::npos) return false;
        host = std::string(hp.substr(1, close - 1));
        const auto rest = hp.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return false;
        port = rest.empty() ? rest : rest.substr(1);
        return !host.empty();
    }
    const auto colon = hp.rfind(':');
    host = std::string(hp.substr(0, colon));
    port = colon == std::string_view::npos ? std::string_view{} : hp.substr(colon + 1);
    return !host.empty() && host.find(':') == std::string::npos;
}

}  // namespace

std::optional<upstream_url> parse_upstream_url(std::string_view text, std::string* why) {
    auto fail = [&](const char* reason) -> std::optional<upstream_url> {
        if (why) *why = reason;
        return std::nullopt;
    };
    upstream_url u;
    if (text.starts_with("https://")) {
        text.remove_prefix(8);
    } else if (text.starts_with("http://")) {
        u.tls = false;
        u.port = 80;
        text.remove_prefix(7);
    } else {
        return fail("must start with http:// or https://");
    }
    if (text.find_first_of("?#@") != std::string_view::npos)
        return fail("must not carry a query, fragment or user info");
    const auto slash = text.find('/');
    const auto hostport = text.substr(0, slash);
    std::string_view port;
    if (!split_host_port(hostport, u.host, port)) return fail("has no valid host");
    if (!port.empty() && (!valid_port(port, u.port) || u.port == 0)) return fail("has an invalid port");
    if (slash != std::string_view::npos) u.base_path = std::string(text.substr(slash));
    while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
    return u;
}

std::optional<listen_address> parse_listen_address(std::string_view text, std::string* why) {
    listen_address a;
    std::string_view port;
    if (!split_host_port(text, a.host, port) || port.empty() || !valid_port(port, a.port)) {
        if (why) *why = "expected HOST:PORT, e.g. 127.0.0.1:8788";
        return std::nullopt;
    }
    return a;
}

config load_config_text(std::string_view yaml, std::string_view source_name) {
    reader r{std::string(source_name)};
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw config_error(r.source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    try {
        return read_config(r, root);
    } catch (const YAML::Exception& e) {  // e.g. a key that is not a scalar
        throw config_error(r.source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
}

config load_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error(path + ": cannot open the file");
    std::ostringstream s;
    s << in.rdbuf();
    auto c = load_config_text(s.str(), path);
    c.source_file = path;
    return c;
}

}  // namespace tokentap::config
