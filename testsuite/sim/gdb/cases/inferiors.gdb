# Every address space is an inferior: gdb is given no file (target
# extended-remote) and takes each program's ELF from the simulator. A
# breakpoint by file:line in the serial driver, which init has not started
# yet (pending), binds when the driver starts and is hit in its program.
set breakpoint pending on
info inferiors
break serial.cpp:@IRQ_LINE@
continue
bt 1
print p.name
info inferiors
# usrinit (the default user program) starts later and becomes an inferior too.
delete 1
break usrinit.cpp:main
continue
bt 1
info inferiors
kill
