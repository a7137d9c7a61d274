# The issue's session: the serial driver (an -O2 build, loaded by init from
# the default image) stopped in its IRQ handler by a byte fed into COM1 (an
# injection at 50 ms of virtual time, after the driver is up), a backtrace,
# a local, next/stepi, a watchpoint on the RX ring, and the end of the run.
monitor program serial
break handle_irq
continue
# Where the breakpoint went (also said at the resume, as console output).
monitor points
# handle_irq also runs at start-up; go on until the call from the main loop
# after poll() reported the IRQ notification.
up
while polls[0].revents == 0
  continue
  up
end
down
bt
print p.name
print p.rx.count
next
next
info locals
stepi
watch -l g_ports[0].rx.count
delete 1
continue
bt
print/c g_ports[0].rx.data[g_ports[0].rx.head]
delete
continue
