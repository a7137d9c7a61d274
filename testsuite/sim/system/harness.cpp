// Runs helios-sim as a child process with captured stdout/stderr, and inspects the process tree around it.
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#ifndef HELIOS_SIM_PATH
#error "HELIOS_SIM_PATH must name the helios-sim binary"
#endif

namespace systest {

double now_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

const std::string& sim_path() {
    static const std::string path = HELIOS_SIM_PATH;
    return path;
}

std::string RunResult::describe() const {
    std::ostringstream s;
    if (watchdog) s << "killed by the harness watchdog; ";
    if (exited)
        s << "exit code " << exit_code;
    else
        s << "killed by signal " << term_signal << " (" << strsignal(term_signal) << ")";
    s << " after " << seconds << " s\n--- stdout ---\n" << out << "--- stderr ---\n" << err << "---";
    return s.str();
}

namespace {

void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
}

[[noreturn]] void die(const char* what) {
    throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Child::Child(const std::string& program, const std::vector<std::string>& args, bool stdin_pipe) {
    int out[2], err[2], in[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) die("pipe2");
    if (stdin_pipe && pipe2(in, O_CLOEXEC) != 0) die("pipe2");
    start_ = now_seconds();
    pid_ = fork();
    if (pid_ < 0) die("fork");
    if (pid_ == 0) {
        int null_fd = open("/dev/null", O_RDONLY);
        dup2(stdin_pipe ? in[0] : null_fd, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        const std::string me = std::to_string(getpid());
        std::vector<std::string> words;
        words.push_back(program);
        for (std::string a : args) {
            for (size_t at; (at = a.find("@PID@")) != std::string::npos;) a.replace(at, 5, me);
            words.push_back(a);
        }
        std::vector<char*> argv;
        for (std::string& w : words) argv.push_back(w.data());
        argv.push_back(nullptr);
        execv(program.c_str(), argv.data());
        std::fprintf(stderr, "harness: execv(%s): %s\n", program.c_str(), std::strerror(errno));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (stdin_pipe) {
        close(in[0]);
        in_fd_ = in[1];
    }
}

void Child::send_stdin(const std::string& bytes) {
    if (in_fd_ < 0) die("send_stdin: the child has no stdin pipe");
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = write(in_fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die("write(stdin pipe)");
        done += static_cast<size_t>(n);
    }
}

Child::~Child() {
    if (!reaped_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        int st = 0;
        waitpid(pid_, &st, 0);
    }
    close_fd(out_fd_);
    close_fd(err_fd_);
    close_fd(in_fd_);
}

void Child::pump(int timeout_ms) {
    pollfd fds[2];
    int n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    if (n == 0) {
        if (timeout_ms > 0) usleep(static_cast<useconds_t>(timeout_ms) * 1000);
        return;
    }
    if (poll(fds, static_cast<nfds_t>(n), timeout_ms) <= 0) return;
    for (int i = 0; i < n; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[4096];
        ssize_t got = read(fds[i].fd, buf, sizeof buf);
        bool is_out = fds[i].fd == out_fd_;
        if (got <= 0) {
            close_fd(is_out ? out_fd_ : err_fd_);
            continue;
        }
        (is_out ? result_.out : result_.err).append(buf, static_cast<size_t>(got));
    }
}

bool Child::wait_for_stdout(const std::string& text, double timeout_s) {
    const double deadline = now_seconds() + timeout_s;
    while (result_.out.find(text) == std::string::npos) {
        double left = deadline - now_seconds();
        if (left <= 0 || (out_fd_ < 0 && err_fd_ < 0)) return false;
        pump(static_cast<int>(left * 1000) + 1);
    }
    return true;
}

void Child::signal(int sig) {
    if (!reaped_) kill(pid_, sig);
}

RunResult Child::wait(double timeout_s) {
    const double deadline = now_seconds() + timeout_s;
    int status = 0;
    while (!reaped_) {
        pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            reaped_ = true;
            break;
        }
        if (now_seconds() > deadline) {
            result_.watchdog = true;
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            reaped_ = true;
            break;
        }
        pump(5);
    }
    result_.seconds = now_seconds() - start_;
    close_fd(in_fd_);
    // The rest of the output (pipes may outlive the child if a grandchild holds them: bounded).
    const double drain_deadline = now_seconds() + 2;
    while ((out_fd_ >= 0 || err_fd_ >= 0) && now_seconds() < drain_deadline) pump(50);
    result_.exited = WIFEXITED(status);
    result_.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result_.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return result_;
}

RunResult run_sim(const std::string& image, const std::vector<std::string>& extra, double timeout_s) {
    std::vector<std::string> args = {"run", "--image", image};
    args.insert(args.end(), extra.begin(), extra.end());
    Child c(sim_path(), args);
    return c.wait(timeout_s);
}

std::vector<RunResult> run_sims(const std::vector<SimRun>& runs, double timeout_s) {
    std::vector<std::unique_ptr<Child>> children;
    for (const SimRun& run : runs) {
        std::vector<std::string> args = {"run", "--image", run.image};
        args.insert(args.end(), run.args.begin(), run.args.end());
        children.push_back(std::make_unique<Child>(sim_path(), args));
    }
    std::vector<RunResult> results;
    for (auto& child : children) results.push_back(child->wait(timeout_s));
    return results;
}

namespace {

// Fields of /proc/PID/stat after the command (which may contain spaces).
bool read_stat(pid_t pid, char& state, uint64_t& start_time, std::string& comm) {
    std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
    size_t open = text.find('('), close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 2 >= text.size()) return false;
    comm = text.substr(open + 1, close - open - 1);
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    std::vector<std::string> f;
    while (rest >> field) f.push_back(field);
    // f[0] is field 3 (state); starttime is field 22.
    if (f.size() < 20) return false;
    state = f[0][0];
    start_time = std::strtoull(f[19].c_str(), nullptr, 10);
    return true;
}

}  // namespace

std::vector<ProcId> children_of(pid_t pid) {
    std::vector<ProcId> out;
    std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::istringstream kids(read_file(dir + "/" + e->d_name + "/children"));
        pid_t kid = 0;
        while (kids >> kid) {
            ProcId p;
            p.pid = kid;
            char state = 0;
            if (read_stat(kid, state, p.start_time, p.comm)) out.push_back(p);
        }
    }
    closedir(d);
    return out;
}

bool alive(const ProcId& p) {
    char state = 0;
    uint64_t start = 0;
    std::string comm;
    if (!read_stat(p.pid, state, start, comm)) return false;
    return start == p.start_time && state != 'Z' && state != 'X';
}

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/helios-systest-XXXXXX";
    if (!mkdtemp(templ.data())) die("mkdtemp");
    path_ = templ;
}

TempDir::~TempDir() {
    if (DIR* d = opendir(path_.c_str())) {
        while (dirent* e = readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) unlink(file(e->d_name).c_str());
        }
        closedir(d);
    }
    rmdir(path_.c_str());
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0;
}

std::string make_tar(const std::vector<std::pair<std::string, std::string>>& members) {
    std::string tar;
    for (const auto& [name, content] : members) {
        char h[512] = {};
        std::snprintf(h, 100, "%s", name.c_str());
        std::snprintf(h + 100, 8, "%07o", 0755);
        std::snprintf(h + 108, 8, "%07o", 0);
        std::snprintf(h + 116, 8, "%07o", 0);
        std::snprintf(h + 124, 12, "%011llo", static_cast<unsigned long long>(content.size()));
        std::snprintf(h + 136, 12, "%011o", 0);
        h[156] = '0';
        std::memcpy(h + 257, "ustar", 6);
        std::memcpy(h + 263, "00", 2);
        std::memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (unsigned char c : h) sum += c;
        std::snprintf(h + 148, 8, "%06o", sum);
        h[155] = ' ';
        tar.append(h, sizeof h);
        tar += content;
        tar.append((512 - content.size() % 512) % 512, '\0');
    }
    tar.append(1024, '\0');
    return tar;
}

}  // namespace systest
