// The stdio character backend and the raw-mode terminal guard.
#include "sim/devices/stdio_backend.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <poll.h>
#include <termios.h>

#include <fmt/format.h>

#include "sim/devices/device_log.h"
#include "sim/devices/fd_io.h"

namespace helios::sim {

namespace {

// The terminal state to restore. Plain globals because a signal handler
// reads them: g_raw_fd is written last when entering raw mode and first when
// leaving it, so a handler never sees a half-written g_saved_termios.
termios g_saved_termios{};
volatile sig_atomic_t g_raw_fd = -1;

constexpr int kFatalSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT,
                                 SIGSEGV, SIGBUS, SIGILL, SIGFPE};

void restore_on_signal(int sig)
{
    restore_stdio_terminal();
    // SA_RESETHAND put back the default action, and the signal is blocked
    // while this handler runs: raising it again makes it pending, and on
    // return it takes the default action, so the exit status and any core
    // dump stay what they would have been without us.
    ::raise(sig);
}

void restore_at_exit() { restore_stdio_terminal(); }

// Installed once per process: the first raw terminal arms them.
void install_restorers()
{
    static bool installed = false;
    if (installed) {
        return;
    }
    installed = true;
    std::atexit(restore_at_exit);
    for (int sig : kFatalSignals) {
        struct sigaction old{};
        if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL ||
            (old.sa_flags & SA_SIGINFO)) {
            continue;  // someone else handles it; they must restore
        }
        struct sigaction sa{};
        sa.sa_handler = restore_on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(sig, &sa, nullptr);
    }
}

}  // namespace

void restore_stdio_terminal() noexcept
{
    const int fd = g_raw_fd;
    if (fd >= 0) {
        g_raw_fd = -1;
        // tcsetattr is async-signal-safe (POSIX.1-2008 list).
        ::tcsetattr(fd, TCSANOW, &g_saved_termios);
    }
}

StdioBackend::StdioBackend(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd), out_(out_fd, "stdio: stdout")
{
    // Only one terminal can be raw at a time; a second stdio backend on the
    // same terminal (COM1 and COM2 both on stdio) shares the first's mode.
    if (g_raw_fd >= 0 || !::isatty(in_fd_)) {
        return;
    }
    termios saved{};
    if (::tcgetattr(in_fd_, &saved) != 0) {
        return;
    }
    termios raw = saved;
    // As QEMU's multiplexed stdio: no input translation or flow control,
    // no echo or line editing, and no signal keys (Ctrl-C is the guest's;
    // Ctrl-A x quits); keep OPOST so the guest's "\n" starts a new line.
    raw.c_iflag &= ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                                          ICRNL | IXON);
    raw.c_oflag |= OPOST;
    raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
    raw.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    g_saved_termios = saved;
    install_restorers();
    if (::tcsetattr(in_fd_, TCSANOW, &raw) != 0) {
        device_log().warn("stdio: cannot put the terminal into raw mode: {}", errno_text(errno));
        return;
    }
    g_raw_fd = in_fd_;
    owns_terminal_ = true;
}

StdioBackend::~StdioBackend()
{
    if (owns_terminal_) {
        restore_stdio_terminal();
    }
}

void StdioBackend::write(const uint8_t* data, size_t len)
{
    out_.write(data, len);
}

void StdioBackend::service()
{
    out_.service();
    take_input();
}

size_t StdioBackend::read(uint8_t* buf, size_t max)
{
    take_input();
    size_t n = 0;
    while (n < max && !pending_.empty()) {
        buf[n++] = pending_.front();
        pending_.pop_front();
    }
    return n;
}

void StdioBackend::take_input()
{
    // Read no more than the buffer has room for: the rest waits in the host
    // (a pipe's writer blocks), so input is never lost, only delayed.
    while (!eof_ && !quit_ && pending_.size() < kMaxPendingInput) {
        pollfd pfd{in_fd_, POLLIN, 0};
        int ready;
        do {
            ready = ::poll(&pfd, 1, 0);
        } while (ready < 0 && errno == EINTR);
        if (ready <= 0) {
            return;
        }
        if (pfd.revents & POLLNVAL) {
            eof_ = true;
            return;
        }
        // POLLHUP without POLLIN still means "read() will not block": it
        // returns what is left, then 0 at end of input.
        uint8_t chunk[256];
        const size_t room = kMaxPendingInput - pending_.size();
        const ssize_t n = ::read(in_fd_, chunk, room < sizeof chunk ? room : sizeof chunk);
        if (n == 0) {
            eof_ = true;
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                eof_ = true;
                device_log().warn("stdio: input closed: {}", errno_text(errno));
            }
            return;
        }
        for (ssize_t i = 0; i < n; ++i) {
            const ConsoleEscape::Outcome got = escape_.feed(chunk[i]);
            switch (got.action) {
                case ConsoleEscape::Action::Forward:
                    pending_.push_back(got.byte);
                    break;
                case ConsoleEscape::Action::Drop:
                    break;
                case ConsoleEscape::Action::Help:
                    // stderr: the simulator's own words, kept out of the
                    // guest's output (stdout may be a file).
                    fmt::print(stderr, "\n{}\n", ConsoleEscape::help_text());
                    break;
                case ConsoleEscape::Action::Quit:
                    // The end of the run: what was typed after it is no input.
                    quit_ = true;
                    return;
            }
        }
    }
}

std::string StdioBackend::describe() const
{
    std::string text = "stdio";
    if (owns_terminal_) {
        text += " (raw terminal)";
    }
    if (eof_) {
        text += " (end of input)";
    }
    if (quit_) {
        text += " (quit)";
    }
    return text;
}

}  // namespace helios::sim
