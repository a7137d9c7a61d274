# Built with HELIOS_USER_DEBUG (the hosted-debug preset, -Og): the serial
# driver's locals are there for gdb, where the -O2 build shows
# "guard = <optimized out>" (docs/debugging.md, "Builds for debugging").
monitor program serial
break handle_irq
continue
next
info locals
kill
