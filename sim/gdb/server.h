// The GDB stub's transport: a listening socket (TCP HOST:PORT or unix:PATH) serving one client at a time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/devices/unix_socket_backend.h"
#include "sim/gdb/packet.h"
#include "sim/ptrace/status.h"

namespace helios::sim::gdb {

// The stub is a front door into the simulated system: whoever reaches it can
// read and write every guest's memory and stop or kill the run. So it is
// local unless the user names another address, serves one client at a time,
// and no wait on a client is longer than the caller allows.
class Server {
public:
    // How long one blocking wait sleeps before it checks the give-up
    // condition again (set_give_up): the lateness of a deadline.
    static constexpr int kSliceMs = 50;

    // Listens on
    //   "PORT" or ":PORT"    TCP on 127.0.0.1 (PORT 0 picks a free one);
    //   "HOST:PORT"          TCP on HOST, a name or a numeric address (IPv6
    //                        in brackets: "[::1]:1234"); the first address
    //                        HOST resolves to that can be bound is used;
    //   "unix:PATH"          a Unix socket, made by UnixListener (a symlink,
    //                        a live listener or a non-socket at PATH is
    //                        refused; a stale socket is replaced; the file
    //                        is mode 0600 and removed on destruction if it
    //                        is still ours).
    // Errors name the spec and the problem.
    static HostResult<std::unique_ptr<Server>> listen(const std::string& spec);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Where gdb connects, as really bound: "127.0.0.1:40123", "[::1]:1234",
    // "0.0.0.0:1234" or "unix:PATH".
    const std::string& address() const { return address_; }
    // True when the TCP address bound is not a loopback address: other
    // hosts may be able to connect.
    bool reachable_from_network() const { return exposed_; }
    bool connected() const { return client_ >= 0; }
    // The fd to poll for what the client sends, or, with no client, for a
    // client connecting: readable means receive() or accept() has work.
    int attention_fd() const { return client_ >= 0 ? client_ : listen_fd_; }

    // A condition that ends every blocking wait of this server early (the
    // run's deadline); checked every kSliceMs. Empty: never give up.
    void set_give_up(std::function<bool()> give_up) { give_up_ = std::move(give_up); }

    // Accepts a waiting client (timeout_ms: -1 waits until one comes or the
    // give-up condition holds, 0 only checks). False while one is attached.
    bool accept(int timeout_ms);
    // Waits up to timeout_ms (bounded; 0 only checks) for what the client
    // sends and decodes it into `out` (which may stay empty). Clients that
    // connect meanwhile are refused (refuse_waiting). Returns false when
    // the client went away (the connection is then closed).
    bool receive(int timeout_ms, std::vector<InputEvent>& out);
    // Accepts and at once closes every client waiting in the listen queue
    // while one is attached, with a warning: a second gdb must neither
    // disturb the first nor hang in the backlog. Costs one poll().
    void refuse_waiting();
    // Sends one packet (remembered for a resend on '-'). False when the client
    // went away, stopped reading for 10 s, or the give-up condition held
    // while it was not reading (the connection is then closed).
    bool send_packet(std::string_view payload);
    bool resend_last();
    bool send_raw(std::string_view bytes);
    void close_client();

private:
    Server() = default;
    // A description of the peer of `fd` for log lines ("127.0.0.1:5555").
    static std::string peer_of(int fd);
    bool giving_up() const { return give_up_ && give_up_(); }

    int listen_fd_ = -1;  // the TCP listener; for unix:PATH, unix_->fd()
    int client_ = -1;
    std::string address_;
    bool exposed_ = false;
    std::optional<UnixListener> unix_;
    std::function<bool()> give_up_;
    PacketDecoder decoder_;
    std::string last_sent_;
};

}  // namespace helios::sim::gdb
