// The pseudo-terminal character backend.
#include "sim/devices/pty_backend.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include "sim/devices/device_log.h"

namespace helios::sim {

PtyBackend::PtyBackend(UniqueFd master, UniqueFd slave, std::string slave_path)
    : master_(std::move(master)), slave_keepalive_(std::move(slave)),
      slave_path_(std::move(slave_path))
{
}

std::unique_ptr<PtyBackend> PtyBackend::open(std::string& error, std::string_view port_name)
{
    UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master.valid()) {
        error = fmt::format("cannot create a pty: posix_openpt: {}", errno_text(errno));
        return nullptr;
    }
    if (::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0) {
        error = fmt::format("cannot create a pty: grantpt/unlockpt: {}", errno_text(errno));
        return nullptr;
    }
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) {
        error = fmt::format("cannot create a pty: ptsname: {}", errno_text(errno));
        return nullptr;
    }
    // The pair shares one termios; setting it through the master makes it
    // raw before any user opens the slave.
    termios tio{};
    if (::tcgetattr(master.get(), &tio) == 0) {
        ::cfmakeraw(&tio);
        ::tcsetattr(master.get(), TCSANOW, &tio);
    }
    const int flags = ::fcntl(master.get(), F_GETFL);
    if (flags < 0 || ::fcntl(master.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
        error = fmt::format("cannot create a pty: O_NONBLOCK: {}", errno_text(errno));
        return nullptr;
    }
    UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave.valid()) {
        error = fmt::format("cannot open the pty slave {}: {}", name, errno_text(errno));
        return nullptr;
    }
    // The user must learn the path whatever the log level is.
    fmt::print(stderr, "{} is on {}\n", port_name, name);
    std::fflush(stderr);
    return std::unique_ptr<PtyBackend>(new PtyBackend(std::move(master), std::move(slave), name));
}

void PtyBackend::write(const uint8_t* data, size_t len)
{
    const uint64_t dropped_before = pending_.dropped();
    pending_.append(data, len);
    if (pending_.dropped() != dropped_before && dropped_before == 0) {
        device_log().warn("pty {}: nobody reads the output; dropping the oldest bytes",
                          slave_path_);
    }
    flush();
}

void PtyBackend::flush()
{
    while (!pending_.empty()) {
        const ssize_t n = ::write(master_.get(), pending_.front(), pending_.size());
        if (n > 0) {
            pending_.consume(static_cast<size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            // EAGAIN: the pty buffer is full; poll for POLLOUT and retry.
            // Anything else (EIO) cannot happen while we hold the slave open;
            // keep the bytes either way.
            break;
        }
    }
}

size_t PtyBackend::read(uint8_t* buf, size_t max)
{
    flush();
    if (max == 0) {
        return 0;
    }
    for (;;) {
        const ssize_t n = ::read(master_.get(), buf, max);
        if (n > 0) {
            return static_cast<size_t>(n);
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        // EAGAIN: nothing typed. EIO: no slave open (not while we hold it).
        return 0;
    }
}

}  // namespace helios::sim
