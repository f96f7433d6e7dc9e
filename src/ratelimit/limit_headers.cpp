#include "tokentap/ratelimit/limit_headers.hpp"

#include "tokentap/ascii.hpp"
#include "tokentap/dialects/json_fields.hpp"

#include <charconv>
#include <cmath>

namespace tokentap::ratelimit {

namespace {

using namespace std::string_view_literals;
using dialects::json;

// ---- Small text helpers

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A non-negative decimal without sign or exponent: "20", "0.5", "5.", ".5". No inf, nan or hex.
std::optional<double> parse_decimal(std::string_view s) {
    std::size_t digits = 0, dots = 0;
    for (const char c : s) {
        if (is_digit(c)) ++digits;
        else if (c == '.') ++dots;
        else return std::nullopt;
    }
    if (digits == 0 || dots > 1) return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// A count: digits only, fitting in int64.
std::optional<std::int64_t> parse_count(std::string_view s) {
    s = trimmed(s);
    if (s.empty()) return std::nullopt;
    for (const char c : s)
        if (!is_digit(c)) return std::nullopt;
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<double> non_negative(double v) {
    if (!std::isfinite(v) || v < 0) return std::nullopt;
    return v;
}

// ---- Dates

// Exactly `width` digits at `s[at]`.
std::optional<int> fixed_digits(std::string_view s, std::size_t at, std::size_t width) {
    if (at + width > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + width; ++i) {
        if (!is_digit(s[i])) return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

std::optional<precise_time> civil_time(int y, int mo, int d, int h, int mi, int sec, double fraction) {
    using namespace std::chrono;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;  // 60: a leap second
    const auto whole = sys_days{date} + hours{h} + minutes{mi} + seconds{sec};
    return precise_time{duration<double>{static_cast<double>(whole.time_since_epoch().count()) + fraction}};
}

std::optional<double> seconds_until(std::optional<precise_time> t, std::chrono::system_clock::time_point now) {
    if (!t) return std::nullopt;
    const double s = (*t - std::chrono::time_point_cast<std::chrono::duration<double>>(now)).count();
    if (!std::isfinite(s)) return std::nullopt;
    return s < 0 ? 0.0 : s;
}

// ---- Header names

enum class limit_field : std::uint8_t { limit, remaining, reset };

struct limit_name {
    limit_kind kind;
    limit_field field;
    std::uint64_t rank;  // lower wins: see limit_headers.hpp, "Windowed" and "Generic"
};

constexpr std::uint64_t rank_exact = 0, rank_generic = 1, rank_window = 2;  // + window length in seconds

std::optional<limit_field> field_named(std::string_view s) {
    if (s == "limit") return limit_field::limit;
    if (s == "remaining") return limit_field::remaining;
    if (s == "reset") return limit_field::reset;
    return std::nullopt;
}

struct kind_token {
    std::string_view token;
    limit_kind kind;
};
// Longer tokens first where one is a prefix of another ("requests" before "req").
constexpr std::array<kind_token, 5> kind_tokens{{{"input-tokens", limit_kind::input_tokens},
                                                 {"output-tokens", limit_kind::output_tokens},
                                                 {"requests", limit_kind::requests},
                                                 {"tokens", limit_kind::tokens},
                                                 {"req", limit_kind::requests}}};

// "minute", "day", "10-second", ...: the window's length in seconds.
std::optional<std::uint64_t> window_seconds(std::string_view w) {
    std::uint64_t multiplier = 1;
    if (const auto dash = w.find('-'); dash != std::string_view::npos) {
        const auto n = dash <= 6 ? parse_count(w.substr(0, dash)) : std::nullopt;
        if (!n || *n == 0) return std::nullopt;
        multiplier = static_cast<std::uint64_t>(*n);
        w.remove_prefix(dash + 1);
    }
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 15> units{{
        {"second", 1}, {"seconds", 1}, {"sec", 1}, {"minute", 60}, {"minutes", 60}, {"min", 60},
        {"hour", 3600}, {"hours", 3600}, {"day", 86400}, {"days", 86400}, {"week", 604800},
        {"weeks", 604800}, {"month", 2592000}, {"months", 2592000}, {"year", 31536000}}};
    for (const auto& [name, seconds] : units)
        if (w == name) return multiplier * seconds;
    return std::nullopt;
}

// x-ratelimit-<field>[-<kind>[-<window>]], after the prefix.
std::optional<limit_name> openai_style_name(std::string_view rest) {
    const auto dash = rest.find('-');
    const auto field = field_named(rest.substr(0, dash));
    if (!field) return std::nullopt;
    if (dash == std::string_view::npos) return limit_name{limit_kind::requests, *field, rank_generic};
    const auto spec = rest.substr(dash + 1);
    for (const auto& [token, kind] : kind_tokens) {
        if (spec.substr(0, token.size()) != token) continue;
        if (spec.size() == token.size()) return limit_name{kind, *field, rank_exact};
        if (spec[token.size()] != '-') continue;
        const auto window = window_seconds(spec.substr(token.size() + 1));
        if (!window) return std::nullopt;
        return limit_name{kind, *field, rank_window + *window};
    }
    return std::nullopt;
}

// anthropic-ratelimit-<kind>-<field>, after the prefix.
std::optional<limit_name> anthropic_name(std::string_view rest) {
    const auto dash = rest.rfind('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const auto field = field_named(rest.substr(dash + 1));
    if (!field) return std::nullopt;
    const auto kind = rest.substr(0, dash);
    for (const auto& [token, k] : kind_tokens)
        if (kind == token) return limit_name{k, *field, rank_exact};
    return std::nullopt;
}

std::optional<limit_name> limit_name_of(std::string_view lower_name) {
    for (const auto prefix : {"x-ratelimit-"sv, "x-rate-limit-"sv, "ratelimit-"sv})
        if (lower_name.starts_with(prefix)) return openai_style_name(lower_name.substr(prefix.size()));
    if (constexpr auto prefix = "anthropic-ratelimit-"sv; lower_name.starts_with(prefix))
        return anthropic_name(lower_name.substr(prefix.size()));
    return std::nullopt;
}

// Lower-cases a header name into a stack buffer; names too long to be one of ours read as "".
class lowered_name {
public:
    explicit lowered_name(std::string_view name) {
        if (name.size() > buffer_.size()) return;
        for (std::size_t i = 0; i < name.size(); ++i) buffer_[i] = lower(name[i]);
        size_ = name.size();
    }
    std::string_view view() const { return {buffer_.data(), size_}; }

private:
    std::array<char, 96> buffer_{};
    std::size_t size_ = 0;
};

std::optional<double> parse_reset_value(std::string_view value, std::chrono::system_clock::time_point now,
                                        bool bare_numbers_are_ms) {
    value = trimmed(value);
    if (bare_numbers_are_ms) {
        if (const auto ms = parse_decimal(value)) return *ms / 1000.0;
    }
    return parse_reset(value, now);
}

// The reading of one kind, with the rank of the names its fields came from.
struct ranked_reading {
    std::uint64_t rank = UINT64_MAX;
    limit_reading reading;
};

void record(ranked_reading& slot, const limit_name& name, std::string_view value,
            std::chrono::system_clock::time_point now, bool bare_numbers_are_ms) {
    if (name.rank > slot.rank) return;
    std::optional<std::int64_t> count;
    std::optional<double> reset;
    if (name.field == limit_field::reset) reset = parse_reset_value(value, now, bare_numbers_are_ms);
    else count = parse_count(value);
    if (!count && !reset) return;
    if (name.rank < slot.rank) slot = ranked_reading{name.rank, {}};
    switch (name.field) {
        case limit_field::limit: slot.reading.limit = count; break;
        case limit_field::remaining: slot.reading.remaining = count; break;
        case limit_field::reset: slot.reading.reset_seconds = reset; break;
    }
}

// ---- Gemini RetryInfo

std::optional<double> retry_delay_of(const json& detail) {
    if (const auto type = dialects::string_field(&detail, "@type"); type && !type->ends_with("google.rpc.RetryInfo"))
        return std::nullopt;
    const json* delay = dialects::field(detail, "retryDelay");
    if (!delay) return std::nullopt;
    if (delay->is_string()) return parse_go_duration(delay->get_ref<const std::string&>());
    if (delay->is_object()) {  // protobuf's binary-form field names, as some gateways re-encode them
        const auto seconds = dialects::integer_field(delay, "seconds");
        const auto nanos = dialects::integer_field(delay, "nanos").value_or(0);
        if (!seconds || *seconds < 0 || nanos < 0) return std::nullopt;
        return static_cast<double>(*seconds) + static_cast<double>(nanos) / 1e9;
    }
    return std::nullopt;
}

std::optional<double> retry_delay_in_error(const json& body) {
    const json* details = dialects::field(dialects::field(body, "error"), "details");
    if (!details || !details->is_array()) return std::nullopt;
    for (const auto& detail : *details)
        if (const auto delay = retry_delay_of(detail)) return delay;
    return std::nullopt;
}

}  // namespace

std::string_view kind_name(limit_kind k) {
    switch (k) {
        case limit_kind::requests: return "requests";
        case limit_kind::tokens: return "tokens";
        case limit_kind::input_tokens: return "input_tokens";
        case limit_kind::output_tokens: return "output_tokens";
    }
    return "unknown";
}

bool limit_report::empty() const {
    for (const auto& k : kinds)
        if (!k.empty()) return false;
    return !retry_after_seconds && !should_retry;
}

bool is_limit_header(std::string_view name) noexcept {
    if (iequals(name, "retry-after") || iequals(name, "retry-after-ms") || iequals(name, "x-should-retry"))
        return true;
    if (istarts_with(name, "x-rate-limit-")) return true;
    constexpr auto needle = "ratelimit"sv;
    for (std::size_t i = 0; i + needle.size() <= name.size(); ++i)  // run on every response header: 'r' first
        if ((name[i] | 0x20) == 'r' && iequals(name.substr(i, needle.size()), needle)) return true;
    return false;
}

limit_report read_limit_headers(const std::vector<std::pair<std::string, std::string>>& headers,
                                std::chrono::system_clock::time_point now) noexcept {
    bool azure = false;  // bare-number resets are milliseconds: see limit_headers.hpp
    for (const auto& [name, value] : headers)
        if (istarts_with(name, "x-ratelimit-renewalperiod-")) azure = true;

    std::array<ranked_reading, limit_kind_count> slots{};
    std::optional<double> retry_after, retry_after_ms;
    limit_report report;
    for (const auto& [raw_name, value] : headers) {
        const lowered_name lowered{raw_name};
        const auto name = lowered.view();
        if (name == "retry-after") {
            if (const auto v = parse_retry_after(value, now)) retry_after = v;
        } else if (name == "retry-after-ms") {
            if (const auto v = parse_decimal(trimmed(value))) retry_after_ms = *v / 1000.0;
        } else if (name == "x-should-retry") {
            const auto v = trimmed(value);
            if (iequals(v, "true")) report.should_retry = true;
            else if (iequals(v, "false")) report.should_retry = false;
        } else if (const auto limit = limit_name_of(name)) {
            record(slots[static_cast<std::size_t>(limit->kind)], *limit, value, now, azure);
        }
    }
    for (std::size_t i = 0; i < limit_kind_count; ++i) report.kinds[i] = slots[i].reading;
    report.retry_after_seconds = retry_after_ms ? retry_after_ms : retry_after;
    return report;
}

std::optional<double> read_retry_delay(std::string_view error_body) noexcept {
    if (error_body.find("retryDelay") == std::string_view::npos) return std::nullopt;  // skip the parse
    try {
        const json body = json::parse(error_body.begin(), error_body.end(), nullptr, false);
        if (body.is_discarded()) return std::nullopt;
        if (!body.is_array()) return retry_delay_in_error(body);
        for (const auto& element : body)
            if (const auto delay = retry_delay_in_error(element)) return delay;
        return std::nullopt;
    } catch (...) {  // std::bad_alloc on a huge body; nothing else throws here
        return std::nullopt;
    }
}

std::optional<double> parse_go_duration(std::string_view s) noexcept {
    s = trimmed(s);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    if (s == "0") return 0.0;  // the one unitless duration Go accepts
    if (s.empty()) return std::nullopt;
    double total = 0;
    while (!s.empty()) {
        std::size_t n = 0;
        while (n < s.size() && (is_digit(s[n]) || s[n] == '.')) ++n;
        const auto number = parse_decimal(s.substr(0, n));
        if (!number) return std::nullopt;
        s.remove_prefix(n);
        std::size_t u = 0;
        while (u < s.size() && !is_digit(s[u]) && s[u] != '.') ++u;
        const auto unit = s.substr(0, u);
        s.remove_prefix(u);
        double scale = 0;
        if (unit == "h") scale = 3600;
        else if (unit == "m") scale = 60;
        else if (unit == "s") scale = 1;
        else if (unit == "ms") scale = 1e-3;
        else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") scale = 1e-6;  // u, micro sign, mu
        else if (unit == "ns") scale = 1e-9;
        else return std::nullopt;
        total += *number * scale;
    }
    return non_negative(total);
}

std::optional<double> parse_reset(std::string_view value, std::chrono::system_clock::time_point now) noexcept {
    value = trimmed(value);
    if (value.empty()) return std::nullopt;
    if (const auto number = parse_decimal(value)) {
        const double v = *number;
        if (v < 1e9) return v;  // delta seconds
        const auto epoch = [&](double seconds) {
            return seconds_until(precise_time{std::chrono::duration<double>{seconds}}, now);
        };
        if (v < 1e11) return epoch(v);              // Unix time in seconds (years 2001 to 5138)
        if (v >= 1e12 && v < 1e14) return epoch(v / 1000.0);  // Unix time in milliseconds
        return std::nullopt;
    }
    if (const auto d = parse_go_duration(value)) return d;
    if (const auto t = parse_rfc3339(value)) return seconds_until(t, now);
    return seconds_until(parse_http_date(value), now);
}

std::optional<double> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) noexcept {
    value = trimmed(value);
    if (const auto delta = parse_decimal(value)) return delta;
    return seconds_until(parse_http_date(value), now);
}

std::optional<precise_time> parse_rfc3339(std::string_view s) noexcept {
    s = trimmed(s);
    // 2024-05-01T12:00:30[.frac](Z|+hh:mm|-hh:mm)
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return std::nullopt;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
    const auto y = fixed_digits(s, 0, 4), mo = fixed_digits(s, 5, 2), d = fixed_digits(s, 8, 2);
    const auto h = fixed_digits(s, 11, 2), mi = fixed_digits(s, 14, 2), sec = fixed_digits(s, 17, 2);
    if (!y || !mo || !d || !h || !mi || !sec) return std::nullopt;
    std::size_t at = 19;
    double fraction = 0;
    if (s[at] == '.') {
        std::size_t end = at + 1;
        while (end < s.size() && is_digit(s[end])) ++end;
        if (end == at + 1) return std::nullopt;
        fraction = *parse_decimal(s.substr(at, end - at));  // ".123"
        at = end;
    }
    double offset = 0;
    const auto zone = s.substr(at);
    if (zone != "Z" && zone != "z") {
        if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
        const auto oh = fixed_digits(zone, 1, 2), om = fixed_digits(zone, 4, 2);
        if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
        offset = (zone[0] == '+' ? 1 : -1) * (*oh * 3600.0 + *om * 60.0);
    }
    const auto local = civil_time(*y, *mo, *d, *h, *mi, *sec, fraction);
    if (!local) return std::nullopt;
    return *local - std::chrono::duration<double>{offset};  // local time = UTC + offset
}

std::optional<precise_time> parse_http_date(std::string_view s) noexcept {
    s = trimmed(s);
    // Sun, 06 Nov 1994 08:49:37 GMT
    if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
        return std::nullopt;
    static constexpr std::array<std::string_view, 7> day_names{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    bool day_ok = false;
    for (const auto name : day_names) day_ok = day_ok || s.substr(0, 3) == name;
    int month = 0;
    for (std::size_t i = 0; i < month_names.size(); ++i)
        if (s.substr(8, 3) == month_names[i]) month = static_cast<int>(i) + 1;
    const auto d = fixed_digits(s, 5, 2), y = fixed_digits(s, 12, 4);
    const auto h = fixed_digits(s, 17, 2), mi = fixed_digits(s, 20, 2), sec = fixed_digits(s, 23, 2);
    if (!day_ok || month == 0 || !d || !y || !h || !mi || !sec) return std::nullopt;
    return civil_time(*y, month, *d, *h, *mi, *sec, 0);
}

}  // namespace tokentap::ratelimit
