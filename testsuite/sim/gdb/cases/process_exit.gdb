# monitor exits on: a crashed driver's process is reported as ended by the
# fault gdb saw, and its restarted instance still gets the breakpoint.
monitor exits on
set breakpoint pending on
break usrinit.cpp:main
continue
monitor uart com1 \x1d
delete
break serial.cpp:@IRQ_LINE@
continue
continue
continue
info inferiors
inferior 1
continue
bt 1
kill
