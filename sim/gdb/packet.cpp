// GDB remote serial protocol framing and hex helpers.
#include "sim/gdb/packet.h"

namespace helios::sim::gdb {

namespace {

int hex_digit(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

constexpr char kDigits[] = "0123456789abcdef";

}  // namespace

void PacketDecoder::feed(const void* data, size_t len, std::vector<InputEvent>& out) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < len; ++i) {
        const uint8_t c = p[i];
        switch (state_) {
            case State::Idle:
                if (c == '$') {
                    state_ = State::Body;
                    body_.clear();
                    sum_ = 0;
                    overflow_ = false;
                    bad_digit_ = false;
                } else if (c == 0x03) {
                    out.push_back({InputKind::Interrupt, {}});
                } else if (c == '+') {
                    out.push_back({InputKind::Ack, {}});
                } else if (c == '-') {
                    out.push_back({InputKind::Nak, {}});
                }
                // Anything else outside a packet is line noise: ignored.
                break;
            case State::Body:
                if (c == '#') {
                    state_ = State::Check1;
                } else if (c == '$') {
                    // The previous packet lost its end: start over with this one.
                    body_.clear();
                    sum_ = 0;
                    overflow_ = false;
                } else {
                    sum_ = static_cast<uint8_t>(sum_ + c);
                    if (body_.size() < kMaxPacket) {
                        body_.push_back(static_cast<char>(c));
                    } else {
                        overflow_ = true;
                    }
                }
                break;
            case State::Check1: {
                int d = hex_digit(c);
                bad_digit_ = d < 0;
                check_ = static_cast<uint8_t>((d < 0 ? 0 : d) << 4);
                state_ = State::Check2;
                break;
            }
            case State::Check2: {
                int d = hex_digit(c);
                if (d < 0) bad_digit_ = true;
                check_ = static_cast<uint8_t>(check_ | (d < 0 ? 0 : d));
                state_ = State::Idle;
                if (overflow_) {
                    out.push_back({InputKind::Overflow, {}});
                } else if (bad_digit_ || check_ != sum_) {
                    out.push_back({InputKind::BadChecksum, {}});
                } else {
                    out.push_back({InputKind::Packet, std::move(body_)});
                }
                body_.clear();
                body_.shrink_to_fit();
                break;
            }
        }
    }
}

std::string escape_binary(std::string_view data) {
    std::string out;
    out.reserve(data.size());
    for (char ch : data) {
        if (ch == '#' || ch == '$' || ch == '}' || ch == '*') {
            out.push_back('}');
            out.push_back(static_cast<char>(ch ^ 0x20));
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

bool unescape_binary(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '}') {
            if (++i == in.size()) return false;
            out.push_back(static_cast<char>(in[i] ^ 0x20));
        } else {
            out.push_back(in[i]);
        }
    }
    return true;
}

std::string frame_packet(std::string_view payload) {
    std::string out;
    out.reserve(payload.size() + 4);
    out.push_back('$');
    uint8_t sum = 0;
    for (char ch : payload) {
        // '$' and '#' would end the frame and '}' starts an escape; '*' would
        // read as run-length encoding. Escape them wherever they occur.
        if (ch == '#' || ch == '$' || ch == '}' || ch == '*') {
            out.push_back('}');
            sum = static_cast<uint8_t>(sum + '}');
            ch = static_cast<char>(ch ^ 0x20);
        }
        out.push_back(ch);
        sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(ch));
    }
    out.push_back('#');
    out.push_back(kDigits[sum >> 4]);
    out.push_back(kDigits[sum & 15]);
    return out;
}

bool parse_hex(std::string_view text, uint64_t& out) {
    if (text.empty() || text.size() > 16) return false;
    uint64_t v = 0;
    for (char ch : text) {
        int d = hex_digit(static_cast<uint8_t>(ch));
        if (d < 0) return false;
        v = (v << 4) | static_cast<uint64_t>(d);
    }
    out = v;
    return true;
}

bool decode_hex(std::string_view text, std::string& out) {
    out.clear();
    if (text.size() % 2) return false;
    out.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_digit(static_cast<uint8_t>(text[i])), lo = hex_digit(static_cast<uint8_t>(text[i + 1]));
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return true;
}

std::string encode_hex(const void* data, size_t len) {
    const auto* p = static_cast<const uint8_t*>(data);
    std::string out(len * 2, '0');
    for (size_t i = 0; i < len; ++i) {
        out[2 * i] = kDigits[p[i] >> 4];
        out[2 * i + 1] = kDigits[p[i] & 15];
    }
    return out;
}

std::string hex_number(uint64_t v) {
    if (v == 0) return "0";
    std::string out;
    while (v) {
        out.insert(out.begin(), kDigits[v & 15]);
        v >>= 4;
    }
    return out;
}

}  // namespace helios::sim::gdb
