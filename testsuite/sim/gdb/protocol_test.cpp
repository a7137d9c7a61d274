// The GDB stub's packet layer and command handling, fed malformed and hostile input (no simulator involved).
#include "sim/gdb/protocol.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "sim/gdb/packet.h"
#include "sim/gdb/target_desc.h"

using namespace helios::sim::gdb;

namespace {

// A target with two threads (1 in process 1, 7 in process 3) and 64 KiB of memory at 0x400000.
class FakeTarget : public Target {
public:
    static constexpr uint64_t kBase = 0x400000;
    std::vector<uint8_t> mem = std::vector<uint8_t>(0x10000);
    std::map<uint32_t, RegisterFile> regs;
    std::vector<std::string> points;
    size_t biggest_read = 0;

    FakeTarget() {
        regs[1].set(kRip, 0x401000);
        regs[7].set(kRip, 0x402000);
        for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(i);
    }
    std::vector<ThreadInfo> threads() override {
        return {{1, 1, "init", "running"}, {7, 3, "a<b>&\"c'", "blocked"}};
    }
    bool thread_alive(uint32_t tid) override { return regs.count(tid) != 0; }
    uint32_t process_of(uint32_t tid) override { return tid == 1 ? 1 : tid == 7 ? 3 : 0; }
    bool read_registers(uint32_t tid, RegisterFile& r) override {
        r = regs.at(tid);
        return true;
    }
    bool write_registers(uint32_t tid, const RegisterFile& r) override {
        regs[tid] = r;
        return true;
    }
    size_t read_memory(uint32_t, uint64_t addr, uint8_t* buf, size_t len) override {
        biggest_read = std::max(biggest_read, len);
        if (addr < kBase || addr >= kBase + mem.size()) return 0;
        size_t n = std::min<uint64_t>(len, kBase + mem.size() - addr);
        std::memcpy(buf, mem.data() + (addr - kBase), n);
        return n;
    }
    size_t write_memory(uint32_t, uint64_t addr, const uint8_t* buf, size_t len) override {
        if (addr < kBase || addr >= kBase + mem.size()) return 0;
        size_t n = std::min<uint64_t>(len, kBase + mem.size() - addr);
        std::memcpy(mem.data() + (addr - kBase), buf, n);
        return n;
    }
    int insert_point(uint32_t tid, uint32_t process, PointType type, uint64_t addr, uint64_t kind) override {
        if (type == PointType::HwBreak) return -1;
        points.push_back(fmt::format("Z{} {} p{} {:x} {}", static_cast<int>(type), tid, process, addr, kind));
        return 0;
    }
    int remove_point(uint32_t tid, uint32_t process, PointType type, uint64_t addr, uint64_t kind) override {
        points.push_back(fmt::format("z{} {} p{} {:x} {}", static_cast<int>(type), tid, process, addr, kind));
        return 0;
    }
    std::string exec_file(uint32_t id, bool by_process) override {
        if (by_process) return id == 1 ? "/tmp/init" : id == 3 ? "/tmp/serial" : "";
        return id == 7 ? "/tmp/serial" : "/tmp/init";
    }
    std::shared_ptr<const std::string> file(std::string_view path) override {
        if (path == "/tmp/serial") return serial_elf;
        return nullptr;
    }
    std::shared_ptr<const std::string> serial_elf = std::make_shared<const std::string>(std::string("\x7f" "ELF#$}*") + std::string(40000, 'x'));
    std::string monitor(std::string_view cmd) override { return "ran " + std::string(cmd) + "\n"; }
};

struct Fixture {
    FakeTarget target;
    Session session{target, true};
    Fixture() {
        StopReply stop;
        stop.thread = 1;
        session.set_stop(stop);
    }
    std::string ask(std::string_view packet) {
        Outcome o = session.handle(packet);
        REQUIRE(o.kind == Outcome::Kind::Reply);
        return o.reply;
    }
};

std::vector<InputEvent> decode(std::string_view bytes) {
    PacketDecoder d;
    std::vector<InputEvent> out;
    d.feed(bytes.data(), bytes.size(), out);
    return out;
}

bool is_error(const std::string& reply) {
    return reply.size() == 3 && reply[0] == 'E';
}

}  // namespace

TEST_CASE("framing: checksums, acks, interrupts, noise") {
    auto ev = decode("+$qSupported#37-\x03garbage$g#67");
    REQUIRE(ev.size() == 5);
    CHECK(ev[0].kind == InputKind::Ack);
    CHECK(ev[1].kind == InputKind::Packet);
    CHECK(ev[1].payload == "qSupported");
    CHECK(ev[2].kind == InputKind::Nak);
    CHECK(ev[3].kind == InputKind::Interrupt);
    CHECK(ev[4].kind == InputKind::Packet);
    CHECK(ev[4].payload == "g");

    SECTION("a wrong checksum is a BadChecksum, not a packet") {
        auto bad = decode("$g#00$g#zz$g#6");
        REQUIRE(bad.size() == 2);
        CHECK(bad[0].kind == InputKind::BadChecksum);
        CHECK(bad[1].kind == InputKind::BadChecksum);
    }
    SECTION("a '$' inside a packet restarts it") {
        auto r = decode("$qSupp$g#67");
        REQUIRE(r.size() == 1);
        CHECK(r[0].payload == "g");
    }
    SECTION("0x03 inside a packet is data") {
        std::string pkt = frame_packet(std::string("X0,1:\x03", 6));
        auto r = decode(pkt);
        REQUIRE(r.size() == 1);
        CHECK(r[0].kind == InputKind::Packet);
    }
    SECTION("byte by byte gives the same result") {
        PacketDecoder d;
        std::vector<InputEvent> out;
        std::string s = frame_packet("m400000,10");
        for (char c : s) d.feed(&c, 1, out);
        REQUIRE(out.size() == 1);
        CHECK(out[0].payload == "m400000,10");
        CHECK_FALSE(d.in_packet());
    }
}

TEST_CASE("framing: an absurdly long packet is dropped with bounded memory") {
    PacketDecoder d;
    std::vector<InputEvent> out;
    d.feed("$", 1, out);
    std::string chunk(1 << 16, 'A');
    for (int i = 0; i < 64; ++i) d.feed(chunk.data(), chunk.size(), out);  // 4 MiB
    CHECK(out.empty());
    CHECK(d.in_packet());
    d.feed("#00", 3, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].kind == InputKind::Overflow);
    // And the decoder is usable afterwards.
    std::string g = frame_packet("g");
    d.feed(g.data(), g.size(), out);
    REQUIRE(out.size() == 2);
    CHECK(out[1].payload == "g");
}

TEST_CASE("framing: escapes round-trip and checksums match gdb's") {
    CHECK(frame_packet("OK") == "$OK#9a");
    CHECK(frame_packet("") == "$#00");
    std::string binary = std::string("a#b$c}d*e\0f", 11);
    std::string escaped = escape_binary(binary);
    CHECK(escaped.find_first_of("#$*") == std::string::npos);
    std::string back;
    REQUIRE(unescape_binary(escaped, back));
    CHECK(back == binary);
    CHECK_FALSE(unescape_binary("abc}", back));
    auto ev = decode(frame_packet(escaped));
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == InputKind::Packet);
}

TEST_CASE("hex helpers reject bad input") {
    uint64_t v = 0;
    CHECK(parse_hex("400000", v));
    CHECK(v == 0x400000);
    CHECK(parse_hex("FFFFFFFFFFFFFFFF", v));
    CHECK_FALSE(parse_hex("", v));
    CHECK_FALSE(parse_hex("10000000000000000", v));  // overflow
    CHECK_FALSE(parse_hex("12g4", v));
    CHECK_FALSE(parse_hex("-1", v));
    CHECK_FALSE(parse_hex("0x10", v));
    std::string out;
    CHECK(decode_hex("00ff7f", out));
    CHECK(out == std::string("\x00\xff\x7f", 3));
    CHECK_FALSE(decode_hex("abc", out));
    CHECK_FALSE(decode_hex("zz", out));
    CHECK(hex_number(0) == "0");
    CHECK(hex_number(0x1f) == "1f");
}

TEST_CASE("target description matches gdb's amd64 layout") {
    CHECK(register_offset(kRip) == 16 * 8);
    CHECK(register_offset(kEflags) == 17 * 8);
    CHECK(register_offset(kSt0) == 17 * 8 + 4 + 6 * 4);
    CHECK(register_size(kSt0) == 10);
    CHECK(register_size(kXmm0) == 16);
    CHECK(register_file_size() == 16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 8 + 8 + 8);
    const std::string& xml = target_xml();
    CHECK(xml.find("<architecture>i386:x86-64</architecture>") != std::string::npos);
    CHECK(xml.find("org.gnu.gdb.i386.core") != std::string::npos);
    CHECK(xml.find("name=\"fs_base\"") != std::string::npos);
    CHECK(xml.find("name=\"gs_base\"") != std::string::npos);
}

TEST_CASE("session: the usual handshake") {
    Fixture f;
    std::string sup = f.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
    CHECK(sup.find("PacketSize=4000") != std::string::npos);
    CHECK(sup.find("qXfer:features:read+") != std::string::npos);
    CHECK(f.ask("QStartNoAckMode") == "OK");
    CHECK(f.session.no_ack());
    // gdb offered multiprocess: plain `target remote` is one process, pid 1.
    CHECK(f.ask("?") == "T05thread:p1.1;");
    CHECK(f.ask("qAttached") == "0");
    CHECK(f.ask("qC") == "QCp1.1");
    CHECK(f.ask("qfThreadInfo") == "mp1.1,p1.7");
    CHECK(f.ask("qsThreadInfo") == "l");
    CHECK(f.ask("vCont?") == "vCont;c;C;s;S");
    std::string xml = f.ask("qXfer:features:read:target.xml:0,ffb");
    CHECK(xml[0] == 'm');
    std::string threads = f.ask("qXfer:threads:read::0,fff");
    CHECK(threads[0] == 'l');
    CHECK(threads.find("name=\"init\"") != std::string::npos);
    CHECK(threads.find("name=\"a&lt;b&gt;&amp;&quot;c&apos;\"") != std::string::npos);
    CHECK(f.ask("qThreadExtraInfo,7") == encode_hex("a<b>&\"c', blocked"));
    CHECK(f.ask("qXfer:exec-file:read::0,100") == "l/tmp/init");
    CHECK(f.ask("qRcmd," + encode_hex("tasks")) == encode_hex("ran tasks\n"));
}

TEST_CASE("session: the whole target.xml comes back in pieces") {
    Fixture f;
    std::string doc;
    for (uint64_t off = 0;;) {
        std::string r = f.ask(fmt::format("qXfer:features:read:target.xml:{:x},100", off));
        std::string data = r.substr(1);
        doc += data;
        off += data.size();
        if (r[0] == 'l') break;
        REQUIRE(r[0] == 'm');
    }
    CHECK(doc == target_xml());
}

TEST_CASE("session: registers and threads") {
    Fixture f;
    std::string g = f.ask("g");
    CHECK(g.size() == 2 * register_file_size());
    CHECK(f.ask("p10") == "0010400000000000");  // rip of thread 1
    CHECK(f.ask("Hg7") == "OK");
    CHECK(f.ask("p10") == "0020400000000000");
    CHECK(f.ask("P0=1122334455667788") == "OK");
    CHECK(f.target.regs[7].get(kRax) == 0x8877665544332211ull);
    CHECK(f.ask("Hg0") == "OK");  // any thread: the stopped one
    CHECK(f.ask("p10") == "0010400000000000");
    CHECK(f.ask("T7") == "OK");
    CHECK(is_error(f.ask("T5")));
    CHECK(is_error(f.ask("Hg5")));  // no such thread
    CHECK(is_error(f.ask("Hgzz")));
    CHECK(is_error(f.ask("Hx1")));
    CHECK(is_error(f.ask("H")));
    CHECK(is_error(f.ask("p3c")));  // past the last register
    CHECK(is_error(f.ask("pffffffffffffffffff")));
    CHECK(is_error(f.ask("P0=11")));  // wrong size
    CHECK(is_error(f.ask("P0=zz00000000000000")));
    CHECK(is_error(f.ask("P0")));
    CHECK(is_error(f.ask("G00")));  // wrong size
    CHECK(is_error(f.ask("G" + std::string(2 * register_file_size(), 'q'))));
    CHECK(f.ask("G" + g) == "OK");
}

TEST_CASE("session: memory, including hostile requests") {
    Fixture f;
    CHECK(f.ask("m400010,4") == "10111213");
    CHECK(f.ask("m400000,0") == "");
    CHECK(is_error(f.ask("m0,4")));  // unmapped
    // A huge request is capped: a shorter reply, never a huge allocation.
    std::string big = f.ask("m400000,ffffffffffffffff");
    CHECK(big.size() == 2 * Session::kMaxMemory);
    CHECK(f.target.biggest_read <= Session::kMaxMemory);
    // Near the top of the address space the length does not wrap.
    CHECK(is_error(f.ask("mfffffffffffffff0,100")));
    CHECK(is_error(f.ask("m400000")));
    CHECK(is_error(f.ask("m,4")));
    CHECK(is_error(f.ask("mzz,4")));
    CHECK(is_error(f.ask("m400000,4,5")));
    CHECK(f.ask("M400000,2:abcd") == "OK");
    CHECK(f.target.mem[0] == 0xab);
    CHECK(is_error(f.ask("M400000,3:abcd")));  // length mismatch
    CHECK(is_error(f.ask("M400000,2:abzz")));
    CHECK(is_error(f.ask("M400000,2")));
    CHECK(is_error(f.ask("M400000,ffffffff:00")));  // absurd length
    CHECK(is_error(f.ask("M0,1:00")));
    CHECK(f.ask("X400004,3:" + escape_binary(std::string("#}*", 3))) == "OK");
    CHECK(f.target.mem[4] == '#');
    CHECK(f.target.mem[5] == '}');
    CHECK(f.target.mem[6] == '*');
    CHECK(is_error(f.ask("X400004,2:a}")));
    // Raw in the reply: frame_packet escapes it once, on the wire.
    CHECK(f.ask("x400004,3") == "b#}*");
    CHECK(frame_packet("b#}*").substr(0, 8) == "$b}\x03}]}\x0a");
}

TEST_CASE("session: breakpoints and watchpoints are validated") {
    Fixture f;
    CHECK(f.ask("Z0,401000,1") == "OK");
    CHECK(f.ask("z0,401000,1") == "OK");
    CHECK(f.ask("Z2,500000,4") == "OK");
    CHECK(f.ask("Z0,401000,1;X2,ab") == "OK");  // conditions are ignored
    CHECK(f.ask("Z1,401000,1") == "");          // unsupported type: empty reply
    CHECK(f.ask("Z9,401000,1") == "");
    CHECK(is_error(f.ask("Z0,401000")));
    CHECK(is_error(f.ask("Z0,zz,1")));
    CHECK(is_error(f.ask("Z")));
    CHECK(f.target.points.size() == 4);
}

TEST_CASE("session: resume commands") {
    Fixture f;
    Outcome o = f.session.handle("vCont;s:7;c");
    REQUIRE(o.kind == Outcome::Kind::Resume);
    REQUIRE(o.actions.size() == 2);
    CHECK(o.actions[0].step);
    CHECK(o.actions[0].thread == 7);
    CHECK_FALSE(o.actions[1].step);
    CHECK(o.actions[1].thread == -1);

    o = f.session.handle("vCont;C0b:1;c");
    REQUIRE(o.kind == Outcome::Kind::Resume);
    CHECK(o.actions[0].signal == 11);

    o = f.session.handle("c");
    REQUIRE(o.kind == Outcome::Kind::Resume);
    o = f.session.handle("C0b");
    REQUIRE(o.kind == Outcome::Kind::Resume);
    CHECK(o.actions[0].signal == 11);
    o = f.session.handle("s");
    REQUIRE(o.kind == Outcome::Kind::Resume);
    CHECK(o.actions[0].step);

    CHECK(is_error(f.ask("vCont;x")));
    CHECK(is_error(f.ask("vCont;s:5")));  // no such thread
    CHECK(is_error(f.ask("vCont;C")));
    CHECK(is_error(f.ask("vCont;Czzz")));
    CHECK(is_error(f.ask("vCont;r400000,400010:1")));
    CHECK(is_error(f.ask("vCont;")));
    CHECK(is_error(f.ask("c400000")));  // resume elsewhere: not supported
    CHECK(is_error(f.ask("Cxx")));
    CHECK(f.session.handle("D").kind == Outcome::Kind::Detach);
    CHECK(f.session.handle("k").kind == Outcome::Kind::Kill);
    CHECK(f.session.handle("vKill;1").kind == Outcome::Kind::Kill);
}

TEST_CASE("session: stop replies") {
    StopReply s;
    s.thread = 0x12;
    s.signal = 11;
    CHECK(format_stop_reply(s) == "T0bthread:12;");
    s.signal = 5;
    s.reason = StopReply::Reason::SwBreak;
    CHECK(format_stop_reply(s) == "T05swbreak:;thread:12;");
    s.reason = StopReply::Reason::Watch;
    s.data_addr = 0x601040;
    CHECK(format_stop_reply(s) == "T05watch:601040;thread:12;");
    s.kind = StopReply::Kind::Exited;
    s.exit_code = 3;
    CHECK(format_stop_reply(s) == "W03");
}

TEST_CASE("session: unknown and garbage packets never crash") {
    Fixture f;
    CHECK(f.ask("qTotallyUnknown") == "");
    CHECK(f.ask("vFile:open:6a,0,0") == "F-1,2");  // no such file
    CHECK(f.ask("vFile:bogus:1") == "");
    CHECK(f.ask("vFile:") == "F-1,16");
    CHECK(f.ask("") == "");
    CHECK(is_error(f.ask("qXfer:features:read:other.xml:0,10")));
    CHECK(is_error(f.ask("qXfer:features:read:target.xml:zz,10")));
    CHECK(is_error(f.ask("qXfer:features")));
    CHECK(f.ask("qXfer:features:read:target.xml:ffffffffffff,10") == "l");
    CHECK(is_error(f.ask("qRcmd,zz")));
    CHECK(is_error(f.ask("qThreadExtraInfo,")));

    // Random bytes through the decoder and every packet that comes out, in
    // plain mode and, half way, in the multiprocess view (pids, vFile, D;PID).
    std::mt19937 rng(42);
    const std::string alphabet = "$#+-}*\x03:;,=0123456789abcdefxXmMgGpPqQvZzHTcCsSk?.!DF";
    const std::string words[] = {"vFile:open:", "vFile:pread:", "vFile:fstat:", "vFile:close:", "vFile:setfs:",
                                 "Hgp", "vAttach;", "D;", "vKill;", "qXfer:exec-file:read:", "Tp", "vCont;c:p"};
    for (int round = 0; round < 4000; ++round) {
        if (round == 2000) {
            f.ask("qSupported:multiprocess+;exec-events+");
            f.ask("!");
            REQUIRE(f.session.processes());
        }
        std::string junk = (round & 2) ? words[rng() % std::size(words)] : "";
        size_t n = rng() % 80;
        for (size_t i = 0; i < n; ++i) junk.push_back(alphabet[rng() % alphabet.size()]);
        // Half the time, frame it properly so the session sees it.
        std::string bytes = (round & 1) ? frame_packet(junk) : junk;
        for (InputEvent& e : decode(bytes)) {
            if (e.kind != InputKind::Packet) continue;
            Outcome o = f.session.handle(e.payload);
            CHECK(o.reply.size() < kPacketSize * 2);
        }
    }
}

TEST_CASE("session: without multiprocess, thread ids are bare") {
    Fixture f;
    CHECK(f.ask("qSupported:swbreak+").find("multiprocess") == std::string::npos);
    CHECK(f.ask("!") == "OK");
    CHECK_FALSE(f.session.processes());
    CHECK(f.ask("?") == "T05thread:1;");
    CHECK(f.ask("qfThreadInfo") == "m1,7");
}

TEST_CASE("session: plain remote keeps one process even when gdb offers multiprocess") {
    Fixture f;
    CHECK(f.ask("qSupported:multiprocess+;exec-events+").find("multiprocess+") != std::string::npos);
    CHECK_FALSE(f.session.processes());
    CHECK(f.ask("?") == "T05thread:p1.1;");
    CHECK(f.ask("qfThreadInfo") == "mp1.1,p1.7");
    StopReply exited;
    exited.kind = StopReply::Kind::Exited;
    CHECK(f.session.format_stop(exited) == "W00;process:1");
    // gdb's fake pid annex is ignored: the selected thread's program.
    CHECK(f.ask("qXfer:exec-file:read:a410:0,100") == "l/tmp/init");
    CHECK(f.ask("Hgp1.7") == "OK");
    CHECK(f.ask("qXfer:exec-file:read:a410:0,100") == "l/tmp/serial");
    CHECK(f.session.handle("vKill;a410").kind == Outcome::Kind::Kill);
}

TEST_CASE("session: extended mode with multiprocess makes every address space a process") {
    Fixture f;
    std::string sup = f.ask("qSupported:multiprocess+;swbreak+;exec-events+");
    CHECK(sup.find(";multiprocess+") != std::string::npos);
    CHECK(sup.find(";exec-events+") != std::string::npos);
    CHECK(f.ask("!") == "OK");
    CHECK(f.session.processes());
    CHECK(f.ask("?") == "T05thread:p1.1;");
    CHECK(f.ask("qC") == "QCp1.1");
    CHECK(f.ask("qfThreadInfo") == "mp1.1,p3.7");
    CHECK(f.ask("qXfer:threads:read::0,fff").find("id=\"p3.7\"") != std::string::npos);
    CHECK(f.ask("qXfer:exec-file:read:3:0,100") == "l/tmp/serial");
    CHECK(f.ask("qXfer:exec-file:read:1:0,100") == "l/tmp/init");
    CHECK(is_error(f.ask("qXfer:exec-file:read:9:0,100")));  // no such process
    CHECK(is_error(f.ask("qXfer:exec-file:read:zz:0,100")));
    CHECK(f.ask("Tp3.7") == "OK");
    CHECK(is_error(f.ask("Tp1.7")));  // thread 7 is not in process 1

    SECTION("a process is selected with Hg, and its breakpoints follow it") {
        CHECK(f.ask("Hgp3.0") == "OK");
        CHECK(f.ask("p10") == "0020400000000000");  // thread 7's rip
        CHECK(f.ask("Z0,401000,1") == "OK");
        CHECK(f.ask("Hgp1.1") == "OK");
        CHECK(f.ask("Z0,401000,1") == "OK");
        // A process with no live thread left: its points still reach the target
        // (they belong to its program), its memory does not.
        CHECK(f.ask("Hgp9.0") == "OK");
        CHECK(f.ask("z0,401000,1") == "OK");
        CHECK(is_error(f.ask("m401000,4")));
        REQUIRE(f.target.points.size() == 3);
        CHECK(f.target.points[0] == "Z0 7 p3 401000 1");
        CHECK(f.target.points[1] == "Z0 1 p1 401000 1");
        CHECK(f.target.points[2] == "z0 0 p9 401000 1");
    }
    SECTION("stop replies name the process") {
        StopReply stop;
        stop.thread = 7;
        stop.reason = StopReply::Reason::SwBreak;
        CHECK(f.session.format_stop(stop) == "T05swbreak:;thread:p3.7;");
        stop.reason = StopReply::Reason::Exec;
        stop.exec_path = "/tmp/serial";
        CHECK(f.session.format_stop(stop) == "T05exec:" + encode_hex("/tmp/serial") + ";thread:p3.7;");
        StopReply exited;
        exited.kind = StopReply::Kind::Exited;
        exited.exit_code = 3;
        CHECK(f.session.format_stop(exited) == "W03;process:1");
    }
    SECTION("detach and attach one process; kill ends the run once gdb lets go") {
        CHECK(f.ask("D;3") == "OK");
        CHECK(f.ask("qfThreadInfo") == "mp1.1");
        CHECK(f.ask("vAttach;3") == "T05thread:p3.7;");
        CHECK(f.ask("qfThreadInfo") == "mp1.1,p3.7");
        CHECK(is_error(f.ask("vAttach;9")));
        CHECK(is_error(f.ask("D;zz")));
        CHECK(f.ask("D;3") == "OK");
        CHECK(f.session.handle("D;1").kind == Outcome::Kind::Detach);  // the last one: the system runs on
        CHECK(f.session.handle("vKill;1").kind == Outcome::Kind::KillLater);
        CHECK(is_error(f.ask("vRun;")));
    }
    SECTION("vCont names threads of processes") {
        Outcome o = f.session.handle("vCont;s:p3.7;c:p-1.-1");
        REQUIRE(o.kind == Outcome::Kind::Resume);
        CHECK(o.actions[0].thread == 7);
        CHECK(o.actions[1].thread == -1);
        o = f.session.handle("vCont;c:p3.0");
        REQUIRE(o.kind == Outcome::Kind::Resume);
        CHECK(o.actions[0].thread == 7);
    }
}

TEST_CASE("host I/O: only the files the stub names, read-only, in bounded pieces") {
    Fixture f;
    const std::string path = encode_hex("/tmp/serial");
    CHECK(f.ask("vFile:setfs:3") == "F0");
    CHECK(f.ask("vFile:setfs:zz") == "F-1,16");
    CHECK(f.ask("vFile:open:" + encode_hex("/etc/passwd") + ",0,0") == "F-1,2");
    CHECK(f.ask("vFile:open:" + path + ",1,1a4") == "F-1,1e");    // writing: EROFS
    CHECK(f.ask("vFile:open:" + path + ",200,1a4") == "F-1,1e");  // O_CREAT
    CHECK(f.ask("vFile:open:" + path + ",0") == "F-1,16");
    CHECK(f.ask("vFile:open:zz,0,0") == "F-1,16");
    CHECK(f.ask("vFile:open:" + path + ",0,0") == "F0");

    // The whole file, read as gdb does, comes back byte for byte.
    std::string got;
    for (;;) {
        std::string r = f.ask(fmt::format("vFile:pread:0,3fff,{:x}", got.size()));
        REQUIRE(r.size() >= 3);
        REQUIRE(r[0] == 'F');
        size_t semi = r.find(';');
        REQUIRE(semi != std::string::npos);
        uint64_t n = 0;
        REQUIRE(parse_hex(r.substr(1, semi - 1), n));
        CHECK(r.size() < kPacketSize);
        std::string data = r.substr(semi + 1);  // raw: the framing escapes it
        REQUIRE(data.size() == n);
        if (n == 0) break;
        got += data;
    }
    CHECK(got == *f.target.serial_elf);

    std::string st = f.ask("vFile:fstat:0");
    REQUIRE(st.substr(0, 4) == "F40;");
    std::string raw = st.substr(4);
    REQUIRE(raw.size() == 64);
    uint64_t size = 0;
    for (int i = 0; i < 8; ++i) size = size << 8 | static_cast<uint8_t>(raw[28 + i]);
    CHECK(size == f.target.serial_elf->size());

    CHECK(f.ask("vFile:pread:5,10,0") == "F-1,9");  // not open
    CHECK(f.ask("vFile:pread:0,10") == "F-1,16");
    CHECK(f.ask("vFile:pwrite:0,0,41") == "F-1,1e");
    CHECK(f.ask("vFile:close:0") == "F0");
    CHECK(f.ask("vFile:close:0") == "F-1,9");
    CHECK(f.ask("vFile:fstat:0") == "F-1,9");

    // Open files are bounded.
    for (int i = 0; i < HostIo::kMaxOpen; ++i) CHECK(f.ask("vFile:open:" + path + ",0,0")[1] != '-');
    CHECK(f.ask("vFile:open:" + path + ",0,0") == "F-1,18");
}

TEST_CASE("session: a gdb that takes no exec events sees every process in lists") {
    Fixture f;
    f.ask("qSupported:multiprocess+");
    f.ask("!");
    CHECK_FALSE(f.session.announces_processes());
    CHECK(f.session.handle("vCont;c").kind == Outcome::Kind::Resume);
    CHECK(f.ask("qfThreadInfo") == "mp1.1,p3.7");
}

TEST_CASE("session: after a resume, a new process reaches gdb in a stop reply, not in a list") {
    Fixture f;
    f.ask("qSupported:multiprocess+;exec-events+");
    f.ask("!");
    CHECK(f.session.handle("vCont;c").kind == Outcome::Kind::Resume);
    // Neither process was listed before the resume: both are new to gdb.
    CHECK(f.ask("qfThreadInfo") == "l");
    CHECK_FALSE(f.session.known(3));
    StopReply stop;
    stop.thread = 7;
    stop.reason = StopReply::Reason::Exec;
    stop.exec_path = "/tmp/serial";
    f.session.set_stop(stop);
    CHECK(f.session.format_stop(stop).find("thread:p3.7;") != std::string::npos);
    CHECK(f.session.known(3));
    CHECK(f.ask("qfThreadInfo") == "mp3.7");
    CHECK(f.ask("vAttach;1") == "T05thread:p1.1;");
    CHECK(f.ask("qfThreadInfo") == "mp1.1,p3.7");
}
