# A driver restarted after a crash is a new inferior that keeps its
# breakpoints: the serial driver of this image crashes on byte 0x1d, typed
# into COM1 from gdb; init restarts it.
set breakpoint pending on
break usrinit.cpp:main
continue
monitor uart com1 \x1d
delete
break serial.cpp:@IRQ_LINE@
continue
continue
continue
bt 1
info inferiors
kill
