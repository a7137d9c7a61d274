// A helios-sim child with COM1 on a unix socket, driven expect-style (see sim_harness.h).
#include "sim_harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifndef HELIOS_SIM
#error "HELIOS_SIM must name the helios-sim binary"
#endif

namespace mtest {

namespace {

double now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string unique_base() {
    static std::atomic<int> counter{0};
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp && *tmp ? tmp : "/tmp";
    // Unix socket paths are short (108 bytes): keep the name compact.
    if (dir.size() > 60) dir = "/tmp";
    return dir + "/hm" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

pid_t spawn(const std::vector<std::string>& argv, int out_fd) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        execv(args[0], args.data());
        std::perror("exec");
        _exit(127);
    }
    return pid;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

Sim::Sim(const std::string& image, const std::vector<std::string>& extra) {
    std::string base = unique_base();
    sock_ = base + ".sock";
    log_path_ = base + ".log";
    ::unlink(sock_.c_str());
    int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) fail("open " + log_path_);
    std::vector<std::string> argv = {HELIOS_SIM, "run", "--image", image, "--com1", "unix:" + sock_, "--timeout", "60"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = spawn(argv, log_fd);
    close(log_fd);
    // Connect once the simulator listens (it creates the socket at start).
    double deadline = now() + 15;
    for (;;) {
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock_.c_str());
        if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
        close(fd_);
        fd_ = -1;
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("helios-sim ended before listening:\n" + log());
        }
        if (now() > deadline) throw std::runtime_error("cannot connect to " + sock_ + "\n" + log());
        usleep(5000);
    }
}

Sim::~Sim() {
    if (fd_ >= 0) close(fd_);
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        int status;
        waitpid(pid_, &status, 0);
    }
    ::unlink(sock_.c_str());
    ::unlink(log_path_.c_str());
}

void Sim::pump(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0)
        out_.append(buf, static_cast<size_t>(n));
    else if (n == 0)
        usleep(1000);  // the simulator closed the line
}

bool Sim::expect(const std::string& text, double timeout_s) {
    double deadline = now() + timeout_s;
    for (;;) {
        size_t at = out_.find(text, cursor_);
        if (at != std::string::npos) {
            cursor_ = at + text.size();
            return true;
        }
        double left = deadline - now();
        if (left <= 0) return false;
        pump(static_cast<int>(left * 1000) + 1);
    }
}

bool Sim::expect_anywhere(const std::string& text, double timeout_s) {
    double deadline = now() + timeout_s;
    while (out_.find(text) == std::string::npos) {
        double left = deadline - now();
        if (left <= 0) return false;
        pump(static_cast<int>(left * 1000) + 1);
    }
    return true;
}

bool Sim::expect_log(const std::string& text, double timeout_s) {
    double deadline = now() + timeout_s;
    while (log().find(text) == std::string::npos) {
        if (now() > deadline) return false;
        pump(10);
    }
    return true;
}

std::string Sim::take(size_t n, double timeout_s) {
    double deadline = now() + timeout_s;
    while (out_.size() - cursor_ < n) {
        double left = deadline - now();
        if (left <= 0) break;
        pump(static_cast<int>(left * 1000) + 1);
    }
    size_t k = out_.size() - cursor_ < n ? out_.size() - cursor_ : n;
    std::string got = out_.substr(cursor_, k);
    cursor_ += k;
    return got;
}

void Sim::settle(double seconds) {
    double deadline = now() + seconds;
    for (double left; (left = deadline - now()) > 0;) pump(static_cast<int>(left * 1000) + 1);
}

void Sim::send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pump(10);
                continue;
            }
            fail("send");
        }
        done += static_cast<size_t>(n);
        pump(0);  // keep our receive side drained while sending a lot
    }
}

std::string Sim::log() const {
    return slurp(log_path_);
}

std::string Sim::describe() const {
    std::ostringstream s;
    s << "--- COM1 (" << out_.size() << " bytes, cursor at " << cursor_ << ") ---\n";
    if (out_.size() > 6000)
        s << "[...]\n" << out_.substr(out_.size() - 6000);
    else
        s << out_;
    s << "\n--- helios-sim log ---\n" << log() << "---";
    return s.str();
}

Run run(const std::string& program, const std::vector<std::string>& args, double timeout_s) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe");
    std::vector<std::string> argv = {program};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = spawn(argv, fds[1]);
    close(fds[1]);
    Run r;
    double deadline = now() + timeout_s;
    for (;;) {
        pollfd p{fds[0], POLLIN, 0};
        double left = deadline - now();
        if (left <= 0) {
            kill(pid, SIGKILL);
            r.output += "\n[harness: killed after timeout]\n";
            break;
        }
        if (poll(&p, 1, static_cast<int>(left * 1000) + 1) <= 0) continue;
        char buf[65536];
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        r.output.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return r;
}

size_t count(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size()))
        ++n;
    return n;
}

TempFile::TempFile(const std::string& contents) {
    dir_ = unique_base() + ".d";
    if (mkdir(dir_.c_str(), 0700) != 0) fail("mkdir " + dir_);
    path_ = dir_ + "/input";
    std::ofstream(path_, std::ios::binary) << contents;
}

TempFile::~TempFile() {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
}

}  // namespace mtest
