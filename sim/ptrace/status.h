// Status and HostResult<T>: the simulator's error-carrying return values (a message, never an abort).
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace helios::sim {

// Success, or a failure with a human-readable message. Host-side code reports
// errors to people (test logs, the simulator's console), so a message beats an
// error code here; the kernel core keeps its own code-based helios::Result<T>,
// which is why this one has a name of its own.
class [[nodiscard]] Status {
public:
    static Status success() { return Status(); }
    static Status failure(std::string message) { return Status(std::move(message)); }

    bool ok() const { return !message_.has_value(); }
    explicit operator bool() const { return ok(); }
    // The failure message; empty on success.
    const std::string& message() const {
        static const std::string empty;
        return message_ ? *message_ : empty;
    }

private:
    Status() = default;
    explicit Status(std::string message) : message_(std::move(message)) {}
    std::optional<std::string> message_;
};

// "what: strerror(err)" as a failure; err defaults to the current errno.
Status errno_failure(std::string_view what, int err = errno);

// A value or a failure Status. T may be move-only (e.g. std::unique_ptr).
template <typename T>
class [[nodiscard]] HostResult {
public:
    HostResult(T value) : value_(std::move(value)), status_(Status::success()) {}  // NOLINT: implicit by design
    // Precondition: !status.ok() (a HostResult without a value must say why).
    HostResult(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
        if (status_.ok()) status_ = Status::failure("internal error: HostResult built from a success Status");
    }

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    const Status& status() const { return status_; }
    const std::string& message() const { return status_.message(); }

    // Preconditions: ok().
    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    T& operator*() & { return *value_; }
    const T& operator*() const& { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }

private:
    std::optional<T> value_;
    Status status_;
};

}  // namespace helios::sim
