// fuzz_gdb_packet: what a gdb client sends the stub, before any command runs:
// the packet decoder on any byte stream (never grows past its bound; a
// packet's bytes, framed again, decode to the same bytes) and the hex and
// binary-escape helpers the commands use.
#include "fuzz_bytes.h"
#include "sim/gdb/packet.h"

#include <string>
#include <vector>

using helios::fuzz::finding;
using namespace helios::sim::gdb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    PacketDecoder decoder;
    std::vector<InputEvent> events;
    // Fed in the chunk sizes a socket might give: the input's first byte picks them.
    size_t chunk = size ? 1 + data[0] % 64 : 1;
    for (size_t at = 0; at < size; at += chunk) decoder.feed(data + at, size - at < chunk ? size - at : chunk, events);
    for (const InputEvent& e : events) {
        if (e.payload.size() > PacketDecoder::kMaxPacket) finding("a packet beyond the decoder's bound");
        if (e.kind != InputKind::Packet) continue;
        // The payload is still escaped: unescaped, framed again and decoded,
        // it unescapes to the same bytes (what the stub sends, gdb reads).
        std::string raw, back;
        if (unescape_binary(e.payload, raw)) {
            PacketDecoder again;
            std::vector<InputEvent> out;
            std::string framed = frame_packet(raw);
            again.feed(framed.data(), framed.size(), out);
            if (out.size() != 1 || out[0].kind != InputKind::Packet || !unescape_binary(out[0].payload, back) ||
                back != raw)
                finding("frame_packet(bytes) does not decode back to the bytes");
        }
        // The helpers the commands apply to payloads.
        std::string bytes;
        uint64_t number = 0;
        (void)decode_hex(e.payload, bytes);
        (void)parse_hex(e.payload, number);
        if (!decode_hex(encode_hex(e.payload), bytes) || bytes != e.payload) finding("hex does not round-trip");
    }
    return 0;
}
