// A helios-sim child with COM1 on a unix socket, driven expect-style; and a run-to-completion helper for host tools.
#ifndef HELIOS_TESTSUITE_SIM_MERCURY_SIM_HARNESS_H
#define HELIOS_TESTSUITE_SIM_MERCURY_SIM_HARNESS_H

#include <sys/types.h>

#include <string>
#include <vector>

namespace mtest {

// helios-sim running IMAGE with COM1 on a fresh unix socket (every byte the
// guest sends on COM1, and the kernel console, arrive there). The simulator's
// own stdout and stderr go to a log file. Killed and cleaned up on destruction.
class Sim {
public:
    explicit Sim(const std::string& image, const std::vector<std::string>& extra = {});
    ~Sim();
    Sim(const Sim&) = delete;
    Sim& operator=(const Sim&) = delete;

    // Waits until `text` appears in COM1 output after the cursor; on success
    // moves the cursor just past it. False after timeout_s seconds.
    bool expect(const std::string& text, double timeout_s = 15);
    // Waits until `text` appears anywhere in the output (for lines from
    // another program, whose order relative to the cursor is not fixed);
    // the cursor stays.
    bool expect_anywhere(const std::string& text, double timeout_s = 15);
    // Waits until at least n bytes follow the cursor; returns them (and moves
    // the cursor past them), or what there was at the timeout.
    std::string take(size_t n, double timeout_s = 15);
    // Waits until the simulator's own output (stdout and stderr: file
    // backends such as --com2 file:PATH write there) contains `text`.
    bool expect_log(const std::string& text, double timeout_s = 15);
    // Reads whatever arrives within seconds (to look for things that must not appear).
    void settle(double seconds);
    void send(const std::string& bytes);

    // All COM1 output so far, and the simulator's log.
    const std::string& output() const { return out_; }
    std::string log() const;
    // Output, cursor and log, for failure messages.
    std::string describe() const;

private:
    void pump(int timeout_ms);

    pid_t pid_ = -1;
    int fd_ = -1;
    std::string sock_, log_path_;
    std::string out_;
    size_t cursor_ = 0;
};

// A finished program: its exit status (or -signal) and combined stdout+stderr.
struct Run {
    int status = -1;
    std::string output;
};

// Runs program with args to completion (SIGKILL after timeout_s), stdin from
// /dev/null.
Run run(const std::string& program, const std::vector<std::string>& args, double timeout_s = 30);

// Number of occurrences of needle in haystack.
size_t count(const std::string& haystack, const std::string& needle);

// A file in a fresh directory, removed on destruction.
class TempFile {
public:
    explicit TempFile(const std::string& contents);
    ~TempFile();
    const std::string& path() const { return path_; }

private:
    std::string dir_, path_;
};

}  // namespace mtest

#endif
