# kill ends the simulation; memory writes, register writes and the monitor work before that.
break bump_counter
continue
print by
print g_counter = 7
print g_counter
print $rax = 0x1234
print/x $rax
monitor help
monitor bogus
kill
