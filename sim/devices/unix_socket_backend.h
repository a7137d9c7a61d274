// The "unix:PATH" backend: a listening Unix socket that one client at a time attaches to.
#ifndef HELIOS_SIM_DEVICES_UNIX_SOCKET_BACKEND_H
#define HELIOS_SIM_DEVICES_UNIX_SOCKET_BACKEND_H

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "sim/devices/char_backend.h"
#include "sim/devices/fd_io.h"

namespace helios::sim {

// A listening Unix stream socket bound at a path, and the socket file that
// belongs to it. Shared by the UART's unix:PATH far end and the gdb stub's
// unix:PATH transport, the two places where the simulator creates a name
// in a directory other users may write to.
//
// Binding never follows a symlink at PATH and never takes a name away from
// another program: what is found at PATH decides.
//   - nothing: bind.
//   - a symlink: refused (it could point anywhere).
//   - a socket with a listener behind it (a connect() is answered): refused,
//     "another process is listening on PATH"; the file is left alone.
//   - a stale socket (connect() gets ECONNREFUSED: its listener died):
//     removed, then bind.
//   - anything else (a file, a directory, a FIFO, a socket we cannot probe):
//     refused.
// The socket file is created with mode 0600 (only this user may connect).
// On destruction it is removed only while it is still ours: the same inode
// that bind() created, so a file someone put there since is left in place.
class UnixListener {
public:
    // Binds and listens at `path` with `backlog` (non-blocking accept when
    // `nonblocking`). On failure returns nothing and sets `error` to a
    // message naming the path and the problem.
    static std::optional<UnixListener> open(const std::string& path, int backlog, bool nonblocking,
                                            std::string& error);

    UnixListener(UnixListener&& other) noexcept;
    UnixListener& operator=(UnixListener&& other) noexcept;
    UnixListener(const UnixListener&) = delete;
    UnixListener& operator=(const UnixListener&) = delete;
    // Closes the socket and removes the file if it is still ours.
    ~UnixListener();

    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }

private:
    UnixListener(UniqueFd fd, std::string path, dev_t dev, ino_t ino);
    void remove_if_ours();

    UniqueFd fd_;
    std::string path_;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
};

// Listens on a stream socket at PATH (e.g. `socat - UNIX-CONNECT:PATH`).
// A client may connect at any time; it is accepted without blocking from
// read(), write() or service(). Output the guest writes while no client is
// connected, or faster than the client reads, is queued (the most recent
// OutputQueue::kDefaultLimit bytes are kept) and sent once it can be. When
// the client disconnects the backend goes back to waiting for the next one:
// bytes whose send failed stay queued for it, bytes the vanished client had
// already been sent are lost. Further clients wait in the listen backlog
// while one is attached. The socket file is made and removed by
// UnixListener (above): symlinks and live listeners at PATH are refused.
class UnixSocketBackend final : public CharBackend {
public:
    // Binds and listens at `path` (see UnixListener: a stale socket left by
    // an earlier run is replaced; a symlink, a live listener or anything
    // that is not a socket is refused). On failure returns nullptr and sets
    // `error`.
    static std::unique_ptr<UnixSocketBackend> open(const std::string& path, std::string& error);

    // Closes the sockets and removes the socket file if it is still ours.
    ~UnixSocketBackend() override;

    const std::string& path() const { return listener_.path(); }
    bool client_connected() const { return client_.valid(); }
    // Bytes waiting for a client.
    size_t pending_output() const { return pending_.size(); }

    void write(const uint8_t* data, size_t len) override;
    size_t read(uint8_t* buf, size_t max) override;
    // The client socket while one is attached, else the listening socket
    // (readable when a client is waiting to be accepted).
    int poll_fd() const override { return client_.valid() ? client_.get() : listener_.fd(); }
    std::string describe() const override;
    bool has_pending_output() const override { return client_.valid() && !pending_.empty(); }
    void service() override;

private:
    explicit UnixSocketBackend(UnixListener listener);
    void try_accept();
    void flush();
    void drop_client(const char* why);

    UnixListener listener_;
    UniqueFd client_;
    OutputQueue pending_;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_UNIX_SOCKET_BACKEND_H
