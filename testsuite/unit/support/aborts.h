// aborts_with: run code that must trip a kernel assertion, in a child process.
#pragma once

#include <csignal>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace helios::test {

// True when `body`, run in a forked child, aborts (SIGABRT) after writing
// `message` to stderr. HELIOS_ASSERT ends in the fake arch's panic, which
// aborts: a death test, without a framework that has them.
template <typename Body>
bool aborts_with(const std::string& message, Body&& body) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return false;
    std::fflush(nullptr);
    pid_t child = fork();
    if (child < 0) return false;
    if (child == 0) {
        // The test framework's own SIGABRT handler must not report the
        // expected abort as a failure from inside the child.
        std::signal(SIGABRT, SIG_DFL);
        dup2(pipe_fds[1], STDERR_FILENO);
        close(pipe_fds[0]);
        body();
        _exit(0);  // the body did not abort
    }
    close(pipe_fds[1]);
    std::string text;
    char buf[256];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && text.find(message) != std::string::npos;
}

}  // namespace helios::test
