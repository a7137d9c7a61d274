// The few C++ ABI symbols freestanding code may reference: __dso_handle, __cxa_atexit, __cxa_pure_virtual, operator delete.
#include <helios/rt.h>
#include <stddef.h>

extern "C" {

// Static destructors never run: a task ends with the exit syscall and its
// memory goes with it. Registering them is therefore a no-op.
void* __dso_handle = nullptr;

int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

// A pure virtual call is a program bug: end the task with a distinctive status.
[[noreturn]] void __cxa_pure_virtual() { helios::rt::exit(-2); }
}

// Referenced by the deleting destructor of any class with a virtual
// destructor. The runtime has no operator new yet, so reaching these means a
// bug: end the task. Weak, so a future heap can define the real ones.
[[gnu::weak]] void operator delete(void*) noexcept { helios::rt::exit(-3); }
[[gnu::weak]] void operator delete(void*, size_t) noexcept { helios::rt::exit(-3); }
