// The gdb stub's front doors with real sockets and files: where it listens, one client at a time, bounded
// waits, unix:PATH safety, and the private directory of extracted executables.
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sim/gdb/extract_dir.h"
#include "sim/gdb/server.h"
#include "test_util.h"

using helios::sim::gdb::ExtractDir;
using helios::sim::gdb::InputEvent;
using helios::sim::gdb::InputKind;
using helios::sim::gdb::Server;
using helios::sim::test::connect_unix;
using helios::sim::test::read_for;
using helios::sim::test::TempDir;
using helios::sim::test::write_str;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

uint16_t port_of(const std::string& address) {
    return static_cast<uint16_t>(std::stoul(address.substr(address.rfind(':') + 1)));
}

// A TCP connection to ip:port (IPv4), or -1.
int connect_tcp(const char* ip, uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &a.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// True when the peer closed `fd` within timeout_ms (read gives EOF or a reset).
bool closed_by_peer(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char c;
    return ::recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

// The host's first IPv4 address that is not loopback, if it has one.
std::optional<std::string> non_loopback_ipv4() {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return std::nullopt;
    std::optional<std::string> found;
    for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
        if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
        char text[INET_ADDRSTRLEN];
        ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        found = text;
    }
    ::freeifaddrs(list);
    return found;
}

// A listening socket bound at path by "another process" (this test).
int listen_unix_at(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// A socket file whose listener is gone (ECONNREFUSED on connect).
void make_stale_socket(const std::string& path) {
    int fd = listen_unix_at(path);
    REQUIRE(fd >= 0);
    ::close(fd);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spit(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

bool is_symlink(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

// Sets $TMPDIR for one scope.
class ScopedTmpdir {
public:
    explicit ScopedTmpdir(const std::string& dir) {
        if (const char* old = std::getenv("TMPDIR")) old_ = old;
        ::setenv("TMPDIR", dir.c_str(), 1);
    }
    ~ScopedTmpdir() {
        if (old_)
            ::setenv("TMPDIR", old_->c_str(), 1);
        else
            ::unsetenv("TMPDIR");
    }

private:
    std::optional<std::string> old_;
};

const std::string kPacket = "$?#3f";

}  // namespace

// ---- where it listens ----------------------------------------------------------

TEST_CASE("gdb server: PORT listens on 127.0.0.1 only and reports the port really bound", "[gdb][front]") {
    auto server = Server::listen("0");
    REQUIRE(server);
    const std::string& address = (*server)->address();
    CHECK_THAT(address, Catch::StartsWith("127.0.0.1:"));
    CHECK(port_of(address) != 0);  // port 0 became a real port, and that is what is printed
    CHECK_FALSE((*server)->reachable_from_network());

    int local = connect_tcp("127.0.0.1", port_of(address));
    CHECK(local >= 0);
    if (local >= 0) ::close(local);
    // On a host with another address, the stub must not answer there.
    if (auto other = non_loopback_ipv4()) {
        INFO("non-loopback address " << *other);
        int remote = connect_tcp(other->c_str(), port_of(address));
        CHECK(remote < 0);
        if (remote >= 0) ::close(remote);
    }

    auto colon = Server::listen(":0");  // an empty HOST is the default host too
    REQUIRE(colon);
    CHECK_THAT((*colon)->address(), Catch::StartsWith("127.0.0.1:"));
}

TEST_CASE("gdb server: HOST:PORT binds HOST, and a non-loopback HOST is flagged as reachable", "[gdb][front]") {
    auto any = Server::listen("0.0.0.0:0");
    REQUIRE(any);
    CHECK_THAT((*any)->address(), Catch::StartsWith("0.0.0.0:"));
    CHECK(port_of((*any)->address()) != 0);
    CHECK((*any)->reachable_from_network());

    auto named = Server::listen("localhost:0");
    REQUIRE(named);
    CHECK_FALSE((*named)->reachable_from_network());
    CHECK_THAT((*named)->address(), !Catch::Contains("localhost"));  // the address, not the name

    auto v6 = Server::listen("[::1]:0");
    if (v6) {  // hosts without IPv6 cannot bind ::1
        CHECK_THAT((*v6)->address(), Catch::StartsWith("[::1]:"));
        CHECK_FALSE((*v6)->reachable_from_network());
    }

    auto bad = Server::listen("127.0.0.1:99999");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.message(), Catch::Contains("99999"));
}

// ---- one client at a time, bounded waits ----------------------------------------------

TEST_CASE("gdb server: a second client is refused while the first keeps working", "[gdb][front]") {
    auto listened = Server::listen("127.0.0.1:0");
    REQUIRE(listened);
    Server& server = **listened;
    const uint16_t port = port_of(server.address());

    int first = connect_tcp("127.0.0.1", port);
    REQUIRE(first >= 0);
    REQUIRE(server.accept(1000));
    CHECK_FALSE(server.accept(0));  // one client at a time

    int second = connect_tcp("127.0.0.1", port);  // completes in the kernel's backlog
    REQUIRE(second >= 0);
    std::vector<InputEvent> events;
    CHECK(server.receive(200, events));  // the wait for the first refuses the second
    CHECK(events.empty());
    CHECK(closed_by_peer(second, 2000));
    ::close(second);

    // The first is undisturbed: its packet arrives, the reply reaches it.
    write_str(first, kPacket);
    for (int i = 0; i < 20 && events.empty(); ++i) REQUIRE(server.receive(100, events));
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == InputKind::Packet);
    CHECK(events[0].payload == "?");
    REQUIRE(server.send_packet("OK"));
    CHECK(read_for(first, 6) == "$OK#9a");
    ::close(first);
}

TEST_CASE("gdb server: waits end at the give-up condition (the run's deadline)", "[gdb][front]") {
    auto listened = Server::listen("0");
    REQUIRE(listened);
    Server& server = **listened;
    std::atomic<bool> deadline{false};
    server.set_give_up([&] { return deadline.load(); });

    // accept(-1) waits for a client "forever", but not past the deadline.
    std::thread timer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        deadline = true;
    });
    auto t0 = Clock::now();
    CHECK_FALSE(server.accept(-1));
    timer.join();
    CHECK(seconds_since(t0) < 2.0);

    // A client that stops reading: sends give up at the deadline, not after 10 s.
    deadline = false;
    int client = connect_tcp("127.0.0.1", port_of(server.address()));
    REQUIRE(client >= 0);
    REQUIRE(server.accept(1000));
    const std::string big(64 * 1024, 'x');
    int sent = 0;
    std::thread later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        deadline = true;
    });
    t0 = Clock::now();
    while (server.send_raw(big) && sent < 10000) ++sent;  // fills the socket buffers, then stalls
    later.join();
    CHECK(seconds_since(t0) < 3.0);
    CHECK_FALSE(server.connected());
    ::close(client);
}

// ---- unix:PATH ---------------------------------------------------------------------

TEST_CASE("gdb server: unix:PATH refuses a live listener and leaves it working", "[gdb][front][unix]") {
    TempDir dir;
    const std::string path = dir.file("gdb.sock");
    int other = listen_unix_at(path);
    REQUIRE(other >= 0);

    auto server = Server::listen("unix:" + path);
    REQUIRE_FALSE(server);
    CHECK_THAT(server.message(), Catch::Contains("another process is listening on " + path));

    // Still there, still answering. (The check itself was one connection
    // that closed at once: the listener sees it first, then our client.)
    int client = connect_unix(path);
    REQUIRE(client >= 0);
    write_str(client, "hi");
    std::string got;
    for (int i = 0; i < 3 && got.empty(); ++i) {
        int accepted = ::accept4(other, nullptr, nullptr, SOCK_CLOEXEC);
        REQUIRE(accepted >= 0);
        got = read_for(accepted, 2);
        ::close(accepted);
    }
    CHECK(got == "hi");
    ::close(client);
    ::close(other);
}

TEST_CASE("gdb server: unix:PATH refuses a symlink and replaces a stale socket", "[gdb][front][unix]") {
    TempDir dir;
    const std::string victim = dir.file("victim");
    spit(victim, "precious");
    const std::string link = dir.file("link.sock");
    REQUIRE(::symlink(victim.c_str(), link.c_str()) == 0);
    auto linked = Server::listen("unix:" + link);
    REQUIRE_FALSE(linked);
    CHECK_THAT(linked.message(), Catch::Contains("symbolic link"));
    CHECK(is_symlink(link));
    CHECK(slurp(victim) == "precious");

    // A symlink to a stale socket is refused all the same: never followed.
    const std::string stale_target = dir.file("stale-target");
    make_stale_socket(stale_target);
    const std::string link2 = dir.file("link2.sock");
    REQUIRE(::symlink(stale_target.c_str(), link2.c_str()) == 0);
    CHECK_FALSE(Server::listen("unix:" + link2));
    CHECK(is_symlink(link2));

    const std::string stale = dir.file("stale.sock");
    make_stale_socket(stale);
    {
        auto server = Server::listen("unix:" + stale);
        REQUIRE(server);
        struct stat st {};
        REQUIRE(::lstat(stale.c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK((st.st_mode & 077) == 0);  // only this user may connect
        int client = connect_unix(stale);
        CHECK(client >= 0);
        CHECK((*server)->accept(1000));
        if (client >= 0) ::close(client);
    }
    CHECK(::access(stale.c_str(), F_OK) != 0);  // removed on exit: it was ours

    const std::string plain = dir.file("plain");
    spit(plain, "data");
    auto on_file = Server::listen("unix:" + plain);
    REQUIRE_FALSE(on_file);
    CHECK_THAT(on_file.message(), Catch::Contains("not a socket"));
    CHECK(slurp(plain) == "data");
}

TEST_CASE("gdb server: unix:PATH leaves a socket that is no longer its own", "[gdb][front][unix]") {
    TempDir dir;
    const std::string path = dir.file("gdb.sock");
    int other = -1;
    {
        auto server = Server::listen("unix:" + path);
        REQUIRE(server);
        // Someone removes our file and binds their own socket there.
        REQUIRE(::unlink(path.c_str()) == 0);
        other = listen_unix_at(path);
        REQUIRE(other >= 0);
    }
    int client = connect_unix(path);
    CHECK(client >= 0);  // their socket survived our exit
    if (client >= 0) ::close(client);
    ::close(other);
}

// ---- extracted files ---------------------------------------------------------------

TEST_CASE("extract dir: symlinks planted at the old predictable paths are never followed", "[gdb][front][files]") {
    TempDir tmp;
    TempDir victims;
    // The victim folder, and the old names pointing at it: this process's
    // helios-sim-gdb-PID, and one of a dead process (the old code emptied those).
    const std::string victim_dir = victims.file("folder");
    std::filesystem::create_directory(victim_dir);
    spit(victim_dir + "/init", "victim init");
    spit(victim_dir + "/keep", "victim keep");
    const std::string own = tmp.file("helios-sim-gdb-" + std::to_string(::getpid()));
    const std::string dead = tmp.file("helios-sim-gdb-999999");
    REQUIRE(::symlink(victim_dir.c_str(), own.c_str()) == 0);
    REQUIRE(::symlink(victim_dir.c_str(), dead.c_str()) == 0);

    std::string path;
    std::string dir_path;
    {
        ScopedTmpdir env(tmp.path());
        ExtractDir extracted;
        const std::string elf = std::string(1, 0x7f) + "ELF the program";
        auto written = extracted.write("init", reinterpret_cast<const uint8_t*>(elf.data()), elf.size());
        REQUIRE(written);
        path = *written;
        dir_path = extracted.path();
        CHECK_THAT(dir_path, Catch::StartsWith(tmp.path() + "/helios-sim-gdb."));
        CHECK(slurp(path) == elf);
        struct stat st {};
        REQUIRE(::lstat(dir_path.c_str(), &st) == 0);
        CHECK(S_ISDIR(st.st_mode));
        CHECK((st.st_mode & 0777) == 0700);

        // Hostile names stay inside the directory.
        auto sneaky = extracted.write("../../escape", reinterpret_cast<const uint8_t*>("x"), 1);
        REQUIRE(sneaky);
        CHECK(std::filesystem::path(*sneaky).parent_path() == dir_path);
        auto dots = extracted.write("..", reinterpret_cast<const uint8_t*>("y"), 1);
        REQUIRE(dots);
        CHECK(std::filesystem::path(*dots).parent_path() == dir_path);
        auto again = extracted.write("init", reinterpret_cast<const uint8_t*>("z"), 1);
        REQUIRE(again);  // a clash gets a new name, never the old file
        CHECK(*again != path);
        CHECK(slurp(path) == elf);
    }
    CHECK(slurp(victim_dir + "/init") == "victim init");
    CHECK(slurp(victim_dir + "/keep") == "victim keep");
    CHECK(is_symlink(own));
    CHECK(is_symlink(dead));
    CHECK(::access(dir_path.c_str(), F_OK) != 0);  // its own directory is gone
}

TEST_CASE("extract dir: cleanup follows no link put in place of its files or its directory", "[gdb][front][files]") {
    TempDir tmp;
    TempDir victims;
    const std::string victim_file = victims.file("victim");
    spit(victim_file, "victim data");
    const std::string victim_dir = victims.file("folder");
    std::filesystem::create_directory(victim_dir);
    spit(victim_dir + "/init", "victim init");

    ScopedTmpdir env(tmp.path());
    std::string moved;
    {
        ExtractDir extracted;
        auto written = extracted.write("init", reinterpret_cast<const uint8_t*>("e"), 1);
        REQUIRE(written);
        // The file becomes a symlink to the victim file...
        REQUIRE(::unlink(written->c_str()) == 0);
        REQUIRE(::symlink(victim_file.c_str(), written->c_str()) == 0);
        // ...and the directory is moved away, a symlink to the victim folder in its place.
        moved = extracted.path() + ".moved";
        REQUIRE(::rename(extracted.path().c_str(), moved.c_str()) == 0);
        REQUIRE(::symlink(victim_dir.c_str(), extracted.path().c_str()) == 0);
    }
    CHECK(slurp(victim_file) == "victim data");
    CHECK(slurp(victim_dir + "/init") == "victim init");
    // The cleanup worked through the directory's fd: the link inside it is gone, not its target.
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(moved + "/init")));
}
