# A fault is shown to gdb first, at the faulting instruction; continuing
# hands it to the kernel, which sends it to the supervisor.
continue
bt 2
x/i $pc
print where
continue
