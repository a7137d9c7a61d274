// GDB remote serial protocol framing: packet decoding ($...#xx, acks, the interrupt byte), encoding, hex helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace helios::sim::gdb {

// What the byte stream from gdb turns into.
enum class InputKind : uint8_t {
    Packet,       // a complete packet with a good checksum; payload holds its data (still escaped)
    Interrupt,    // the 0x03 byte outside a packet (Ctrl-C)
    Ack,          // '+'
    Nak,          // '-': resend the last packet
    BadChecksum,  // a complete packet whose checksum did not match: answer '-'
    Overflow,     // a packet longer than kMaxPacket: dropped; answer with an error reply
};

struct InputEvent {
    InputKind kind;
    std::string payload;  // Packet only
};

// Incremental decoder for the bytes gdb sends. Never fails and never grows
// beyond kMaxPacket bytes of buffered payload, whatever it is fed: garbage
// outside packets is ignored, a '$' inside a packet starts a new one (a lost
// '#'), and an over-long packet is consumed to its end and reported as
// Overflow. Run-length encoding is not expected from gdb and not decoded.
class PacketDecoder {
public:
    // The largest payload accepted (gdb is told PacketSize = kPacketSize,
    // which is smaller, so a well-behaved gdb never comes close).
    static constexpr size_t kMaxPacket = size_t{64} * 1024;

    void feed(const void* data, size_t len, std::vector<InputEvent>& out);
    // True between a '$' and the end of its checksum.
    bool in_packet() const { return state_ != State::Idle; }

private:
    enum class State : uint8_t { Idle, Body, Check1, Check2 };
    State state_ = State::Idle;
    std::string body_;
    uint8_t sum_ = 0;
    uint8_t check_ = 0;
    bool bad_digit_ = false;
    bool overflow_ = false;
};

// The PacketSize the stub announces (bytes of payload gdb may send or ask for).
inline constexpr size_t kPacketSize = 0x4000;

// "$" + payload (binary-escaped where needed) + "#" + checksum.
std::string frame_packet(std::string_view payload);

// Binary data as the protocol carries it: '#', '$', '}' and '*' become
// '}' followed by the byte XOR 0x20.
std::string escape_binary(std::string_view data);
// The inverse; false on a '}' with nothing after it.
bool unescape_binary(std::string_view in, std::string& out);

// 1-16 hex digits and nothing else (no sign, no prefix, no overflow).
bool parse_hex(std::string_view text, uint64_t& out);
// Pairs of hex digits into bytes; false on an odd length or a non-hex digit.
bool decode_hex(std::string_view text, std::string& out);
std::string encode_hex(const void* data, size_t len);
inline std::string encode_hex(std::string_view s) {
    return encode_hex(s.data(), s.size());
}
// Lower-case hex of v without leading zeros ("0" for zero).
std::string hex_number(uint64_t v);

}  // namespace helios::sim::gdb
