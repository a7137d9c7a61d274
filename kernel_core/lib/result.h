// Result<T>: the kernel core's one error-carrying return type (no exceptions).
#pragma once

#include <helios/abi.h>

#include <stdint.h>
#include <type_traits>
#include <utility>

namespace helios {

// Internal errors are the ABI errors; the syscall boundary copies them into
// rax unchanged, so there is exactly one translation point (none needed).
enum class Error : uint8_t {
#define HELIOS_X_ENUM(num, name, text) name = num,
    HELIOS_ERRORS(HELIOS_X_ENUM)
#undef HELIOS_X_ENUM
};

const char* error_name(Error e);

// A value or an error. T must be trivially destructible (kernel objects are
// handed out as pointers), which keeps Result freestanding-friendly.
template <typename T>
class [[nodiscard]] Result {
    static_assert(std::is_trivially_destructible_v<T>);

public:
    Result(T value) : value_(value), error_(Error::NONE) {}  // NOLINT: implicit by design
    Result(Error error) : value_(), error_(error) {}         // NOLINT: implicit by design

    bool ok() const { return error_ == Error::NONE; }
    Error error() const { return error_; }
    T value() const { return value_; }
    T operator*() const { return value_; }

private:
    T value_;
    Error error_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() : error_(Error::NONE) {}
    Result(Error error) : error_(error) {}  // NOLINT: implicit by design
    bool ok() const { return error_ == Error::NONE; }
    Error error() const { return error_; }

private:
    Error error_;
};

using Status = Result<void>;

}  // namespace helios

// Propagate an error from a Result-returning expression; yield its value.
#define TRY(expr)                                      \
    ({                                                 \
        auto try_result_ = (expr);                     \
        if (!try_result_.ok()) return try_result_.error(); \
        try_result_.value();                           \
    })

// Propagate an error from a Status-returning expression.
#define TRY_STATUS(expr)                               \
    do {                                               \
        auto try_status_ = (expr);                     \
        if (!try_status_.ok()) return try_status_.error(); \
    } while (0)
