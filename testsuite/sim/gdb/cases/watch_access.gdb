# An access watchpoint, emulated with page protection whatever the CPU: the
# worker thread's write, then main's read. Neighbouring variables on the same
# page (g_counter, written by main first) must not trigger it.
monitor watchpoints page
awatch g_worker_result
continue
continue
continue
