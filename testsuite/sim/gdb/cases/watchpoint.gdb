# A watchpoint on a global (debug registers, or page protection where the
# CPU ignores them): hit twice (main, after the worker), then the end.
monitor watchpoints
watch g_counter
continue
bt
continue
continue
