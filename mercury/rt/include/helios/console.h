// Printing to the kernel console through the writecons syscall.
#ifndef HELIOS_RT_CONSOLE_H
#define HELIOS_RT_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

namespace helios {

// Writes the NUL-terminated text to the kernel console. Returns false when
// the kernel refused (e.g. INVALID_PARAM), true when every byte was written.
bool print(const char* text);

// Writes len bytes at data to the kernel console, as print().
bool write_console(const char* data, size_t len);

// printf-like formatting to the kernel console: %s %d %i %u %x %X %o %c %p %%
// with '-'/'0' flags, width and l/ll/z modifiers (%lx, %lu, %zu). Output is
// buffered in chunks of up to 128 bytes per syscall. Returns the number of
// characters formatted.
__attribute__((format(printf, 1, 2))) size_t printf(const char* fmt, ...);
size_t vprintf(const char* fmt, va_list ap);

}  // namespace helios

#endif
