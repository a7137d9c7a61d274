# The console from gdb: COM1's output shown in the session while the system
# runs, and text typed into COM1 (received as any input, and recorded).
monitor uart com1 show on
set breakpoint pending on
break usrinit.cpp:main
continue
delete
monitor uart com1 hi\r
monitor uart com9 x
monitor uart com1 bad\q
break feed
continue
bt 1
delete
continue
