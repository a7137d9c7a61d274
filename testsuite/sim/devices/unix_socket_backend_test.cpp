// Tests of the Unix-socket backend with real client sockets.
#include <catch2/catch.hpp>

#include <fstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim/devices/unix_socket_backend.h"
#include "test_util.h"

using namespace helios::sim;
using helios::sim::test::connect_unix;
using helios::sim::test::read_backend;
using helios::sim::test::read_for;
using helios::sim::test::TempDir;
using helios::sim::test::write_str;

namespace {

void write_bytes(CharBackend& backend, std::string_view bytes)
{
    backend.write(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

bool is_socket(const std::string& path)
{
    struct stat st{};
    return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

TEST_CASE("unix backend: output before a client connects is delivered on connect", "[backend][unix]")
{
    TempDir dir;
    std::string error;
    auto sock = UnixSocketBackend::open(dir.file("com1"), error);
    REQUIRE(sock);
    CHECK(is_socket(dir.file("com1")));
    CHECK_FALSE(sock->client_connected());
    CHECK(sock->poll_fd() >= 0);
    CHECK_THAT(sock->describe(), Catch::Contains("waiting for a client"));

    write_bytes(*sock, "early ");
    write_bytes(*sock, "bytes");
    CHECK(sock->pending_output() == 11);

    const int client = connect_unix(dir.file("com1"));
    REQUIRE(client >= 0);
    sock->service();
    CHECK(sock->client_connected());
    CHECK_THAT(sock->describe(), Catch::Contains("client connected"));
    CHECK(read_for(client, 11) == "early bytes");
    CHECK(sock->pending_output() == 0);

    write_bytes(*sock, "+late");
    CHECK(read_for(client, 5) == "+late");
    ::close(client);
}

TEST_CASE("unix backend: client input is read without blocking", "[backend][unix]")
{
    TempDir dir;
    std::string error;
    auto sock = UnixSocketBackend::open(dir.file("s"), error);
    REQUIRE(sock);
    uint8_t buf[16];
    CHECK(sock->read(buf, sizeof buf) == 0);  // no client: nothing, at once

    const int client = connect_unix(dir.file("s"));
    REQUIRE(client >= 0);
    CHECK(sock->read(buf, sizeof buf) == 0);  // accepts, nothing sent yet
    CHECK(sock->client_connected());
    CHECK(sock->poll_fd() != -1);

    write_str(client, "typed");
    CHECK(read_backend(*sock, 5) == "typed");
    ::close(client);
}

TEST_CASE("unix backend: survives a vanished client and accepts the next one", "[backend][unix]")
{
    TempDir dir;
    std::string error;
    auto sock = UnixSocketBackend::open(dir.file("s"), error);
    REQUIRE(sock);

    const int first = connect_unix(dir.file("s"));
    REQUIRE(first >= 0);
    sock->service();
    REQUIRE(sock->client_connected());
    ::close(first);

    // Writing to the dead connection must not raise SIGPIPE (that would
    // kill this test); the send fails, so the bytes stay queued.
    write_bytes(*sock, "kept ");
    uint8_t buf[8];
    sock->read(buf, sizeof buf);
    CHECK_FALSE(sock->client_connected());
    write_bytes(*sock, "for the next one");

    const int second = connect_unix(dir.file("s"));
    REQUIRE(second >= 0);
    sock->service();
    CHECK(sock->client_connected());
    CHECK(read_for(second, 21) == "kept for the next one");
    write_str(second, "x");
    CHECK(read_backend(*sock, 1) == "x");
    ::close(second);
}

TEST_CASE("unix backend: a stale socket file is replaced - the file goes away at the end",
          "[backend][unix]")
{
    TempDir dir;
    const std::string path = dir.file("stale");
    {
        // A listener that "crashed": its socket file stays behind.
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
        ::close(fd);
        REQUIRE(is_socket(path));
    }
    std::string error;
    {
        auto sock = UnixSocketBackend::open(path, error);
        REQUIRE(sock);
        const int client = connect_unix(path);
        CHECK(client >= 0);
        ::close(client);
    }
    CHECK_FALSE(is_socket(path));
    CHECK(::access(path.c_str(), F_OK) != 0);
}

TEST_CASE("unix backend: queued output is bounded, keeping the newest bytes", "[backend][unix]")
{
    TempDir dir;
    std::string error;
    auto sock = UnixSocketBackend::open(dir.file("s"), error);
    REQUIRE(sock);
    const std::string chunk(64 * 1024, 'a');
    for (int i = 0; i < 20; ++i) {  // 1.25 MiB with nobody listening
        write_bytes(*sock, chunk);
    }
    write_bytes(*sock, "END");
    CHECK(sock->pending_output() == OutputQueue::kDefaultLimit);
    const int client = connect_unix(dir.file("s"));
    REQUIRE(client >= 0);
    std::string got;
    for (int i = 0; i < 200 && got.size() < OutputQueue::kDefaultLimit; ++i) {
        sock->service();
        got += read_for(client, OutputQueue::kDefaultLimit - got.size(), 50);
    }
    CHECK(got.size() == OutputQueue::kDefaultLimit);
    CHECK_THAT(got, Catch::EndsWith("aaaEND"));
    ::close(client);
}

// ---- What may be at PATH already (the UnixListener rules) ----

namespace {

// A socket at `path` with a listener behind it, as another program would leave it.
int listen_at(const std::string& path)
{
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string file_text(const std::string& path)
{
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("unix backend: a live listener at PATH is refused, never unlinked, and keeps working",
          "[backend][unix]")
{
    TempDir dir;
    const std::string path = dir.file("com1");
    const int other = listen_at(path);
    REQUIRE(other >= 0);

    std::string error;
    auto sock = UnixSocketBackend::open(path, error);
    CHECK_FALSE(sock);
    CHECK_THAT(error, Catch::Contains("another process is listening on " + path));
    REQUIRE(is_socket(path));

    // Its clients still reach it (after the one connection the check made).
    const int client = connect_unix(path);
    REQUIRE(client >= 0);
    write_str(client, "still here");
    std::string got;
    for (int i = 0; i < 3 && got.empty(); ++i) {
        const int accepted = ::accept4(other, nullptr, nullptr, SOCK_CLOEXEC);
        REQUIRE(accepted >= 0);
        got = read_for(accepted, 10);
        ::close(accepted);
    }
    CHECK(got == "still here");
    ::close(client);
    ::close(other);
}

TEST_CASE("unix backend: a symlink at PATH is refused and not followed", "[backend][unix]")
{
    TempDir dir;
    const std::string victim = dir.file("victim");
    {
        std::ofstream(victim) << "precious";
    }
    const std::string link = dir.file("com1");
    REQUIRE(::symlink(victim.c_str(), link.c_str()) == 0);
    std::string error;
    CHECK_FALSE(UnixSocketBackend::open(link, error));
    CHECK_THAT(error, Catch::Contains("symbolic link"));

    // A dangling link too: bind() would not follow it, but it is still refused.
    const std::string dangling = dir.file("com2");
    REQUIRE(::symlink(dir.file("nowhere").c_str(), dangling.c_str()) == 0);
    error.clear();
    CHECK_FALSE(UnixSocketBackend::open(dangling, error));
    CHECK_THAT(error, Catch::Contains("symbolic link"));

    struct stat st{};
    REQUIRE(::lstat(link.c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK(file_text(victim) == "precious");
    CHECK(::access(dir.file("nowhere").c_str(), F_OK) != 0);
}

TEST_CASE("unix backend: a file that is not a socket is refused and left alone", "[backend][unix]")
{
    TempDir dir;
    const std::string path = dir.file("com1");
    {
        std::ofstream(path) << "data";
    }
    std::string error;
    CHECK_FALSE(UnixSocketBackend::open(path, error));
    CHECK_THAT(error, Catch::Contains("not a socket"));
    CHECK(file_text(path) == "data");
}

TEST_CASE("unix backend: the socket file is private and removed on exit only while it is ours",
          "[backend][unix]")
{
    TempDir dir;
    const std::string path = dir.file("com1");
    int other = -1;
    {
        std::string error;
        auto sock = UnixSocketBackend::open(path, error);
        REQUIRE(sock);
        struct stat st{};
        REQUIRE(::lstat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 077) == 0);
        // Another program takes the name over while we run.
        REQUIRE(::unlink(path.c_str()) == 0);
        other = listen_at(path);
        REQUIRE(other >= 0);
    }
    CHECK(is_socket(path));
    const int client = connect_unix(path);
    CHECK(client >= 0);
    if (client >= 0) {
        ::close(client);
    }
    ::close(other);
}
