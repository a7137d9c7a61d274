// The "unix:PATH" backend: a listening Unix socket that one client at a time attaches to.
#ifndef HELIOS_SIM_DEVICES_UNIX_SOCKET_BACKEND_H
#define HELIOS_SIM_DEVICES_UNIX_SOCKET_BACKEND_H

#include <memory>
#include <string>

#include "sim/devices/char_backend.h"
#include "sim/devices/fd_io.h"

namespace helios::sim {

// Listens on a stream socket at PATH (e.g. `socat - UNIX-CONNECT:PATH`).
// A client may connect at any time; it is accepted without blocking from
// read(), write() or service(). Output the guest writes while no client is
// connected, or faster than the client reads, is queued (the most recent
// OutputQueue::kDefaultLimit bytes are kept) and sent once it can be. When
// the client disconnects the backend goes back to waiting for the next one:
// bytes whose send failed stay queued for it, bytes the vanished client had
// already been sent are lost. Further clients wait in the listen backlog
// while one is attached.
class UnixSocketBackend final : public CharBackend {
public:
    // Binds and listens at `path`, first removing a stale socket left there
    // by an earlier run (but nothing that is not a socket). On failure
    // (path too long, not a socket, bind/listen error) returns nullptr and
    // sets `error`.
    static std::unique_ptr<UnixSocketBackend> open(const std::string& path, std::string& error);

    // Closes the sockets and removes the socket file.
    ~UnixSocketBackend() override;

    const std::string& path() const { return path_; }
    bool client_connected() const { return client_.valid(); }
    // Bytes waiting for a client.
    size_t pending_output() const { return pending_.size(); }

    void write(const uint8_t* data, size_t len) override;
    size_t read(uint8_t* buf, size_t max) override;
    // The client socket while one is attached, else the listening socket
    // (readable when a client is waiting to be accepted).
    int poll_fd() const override { return client_.valid() ? client_.get() : listener_.get(); }
    std::string describe() const override;
    bool has_pending_output() const override { return client_.valid() && !pending_.empty(); }
    void service() override;

private:
    UnixSocketBackend(UniqueFd listener, std::string path);
    void try_accept();
    void flush();
    void drop_client(const char* why);

    UniqueFd listener_;
    UniqueFd client_;
    std::string path_;
    OutputQueue pending_;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_UNIX_SOCKET_BACKEND_H
