// Runs helios-sim as a child process with captured stdout/stderr, and inspects the process tree around it.
#ifndef HELIOS_TESTSUITE_SIM_SYSTEM_HARNESS_H
#define HELIOS_TESTSUITE_SIM_SYSTEM_HARNESS_H

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace systest {

// How a helios-sim run ended and what it printed.
struct RunResult {
    bool exited = false;  // normal exit (then exit_code is valid)
    int exit_code = -1;
    int term_signal = 0;    // the signal that ended it, when !exited
    bool watchdog = false;  // the harness killed it after the deadline
    std::string out, err;
    double seconds = 0;

    std::string describe() const;
};

// A running helios-sim (or any program): stdin from /dev/null (or a pipe
// kept open), stdout and stderr captured through pipes.
class Child {
public:
    // Starts `program` with `args`. Every "@PID@" inside an argument is
    // replaced by the child's own pid before exec (so a guest can be told
    // the simulator's pid on its command line). stdin_pipe: give the child
    // a pipe as stdin that stays open until wait() (live input).
    Child(const std::string& program, const std::vector<std::string>& args, bool stdin_pipe = false);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    // Reads output until stdout contains `text` or `timeout_s` passes; true if found.
    bool wait_for_stdout(const std::string& text, double timeout_s);
    // Sends sig to the child.
    void signal(int sig);
    // Writes `bytes` to the child's stdin (only with stdin_pipe).
    void send_stdin(const std::string& bytes);
    // Collects the remaining output and the exit status; after `timeout_s`
    // the child is SIGKILLed (RunResult::watchdog).
    RunResult wait(double timeout_s = 10);

private:
    void pump(int timeout_ms);

    pid_t pid_ = -1;
    int out_fd_ = -1, err_fd_ = -1, in_fd_ = -1;
    bool reaped_ = false;
    double start_ = 0;
    RunResult result_;
};

// The path of helios-sim and of the test images (compile definitions).
const std::string& sim_path();

// Runs `helios-sim run --image IMAGE extra...` to completion.
RunResult run_sim(const std::string& image, const std::vector<std::string>& extra = {}, double timeout_s = 10);

// Runs several `helios-sim run --image IMAGE args...` at once (each output
// must fit a pipe buffer, 64 KiB) and returns their results in order.
struct SimRun {
    std::string image;
    std::vector<std::string> args;
};
std::vector<RunResult> run_sims(const std::vector<SimRun>& runs, double timeout_s = 10);

// A process seen in /proc, identified by pid and start time (pids are reused).
struct ProcId {
    pid_t pid = 0;
    uint64_t start_time = 0;
    std::string comm;
};

// The children of every thread of pid, from /proc/PID/task/*/children.
std::vector<ProcId> children_of(pid_t pid);
// True while the process exists and is not a zombie (same pid and start time).
bool alive(const ProcId& p);

// A fresh directory under TMPDIR (or /tmp), removed with its files on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);
bool file_exists(const std::string& path);

// A ustar archive of (name, content) members.
std::string make_tar(const std::vector<std::pair<std::string, std::string>>& members);

double now_seconds();

}  // namespace systest

#endif
