// The GDB stub's transport: a listening socket (TCP HOST:PORT or unix:PATH) serving one client at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/gdb/packet.h"
#include "sim/ptrace/status.h"

namespace helios::sim::gdb {

class Server {
public:
    // Listens on "HOST:PORT" (HOST may be empty for all interfaces; PORT 0
    // picks a free one), "PORT", or "unix:PATH" (a stale socket file at PATH
    // is replaced; the file is removed again on destruction).
    static Result<std::unique_ptr<Server>> listen(const std::string& spec);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Where gdb should connect, e.g. "localhost:1234" or "unix:/tmp/s".
    const std::string& address() const { return address_; }
    bool connected() const { return client_ >= 0; }

    // Accepts a waiting client (timeout_ms: -1 waits forever, 0 only checks).
    // A second client while one is connected is refused.
    bool accept(int timeout_ms);
    // Reads what the client sent within timeout_ms (-1: until something
    // arrives) and decodes it into `out`. Returns false when the client went
    // away (the connection is then closed).
    bool receive(int timeout_ms, std::vector<InputEvent>& out);
    // Sends one packet (remembered for a resend on '-'). False when the client
    // went away or stopped reading for 10 s (the connection is then closed).
    bool send_packet(std::string_view payload);
    bool resend_last();
    bool send_raw(std::string_view bytes);
    void close_client();

private:
    Server() = default;

    int listen_fd_ = -1;
    int client_ = -1;
    std::string address_;
    std::string unix_path_;
    PacketDecoder decoder_;
    std::string last_sent_;
};

}  // namespace helios::sim::gdb
