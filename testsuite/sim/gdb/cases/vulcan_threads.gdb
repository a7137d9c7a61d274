# A breakpoint in a thread of the Vulcan suite (threads made by the Mercury
# threads library), then the whole suite under gdb. The suite provokes
# faults on purpose: gdb passes them on without stopping.
handle SIGSEGV nostop noprint pass
handle SIGILL nostop noprint pass
handle SIGFPE nostop noprint pass
handle SIGBUS nostop noprint pass
handle SIGTRAP nostop noprint pass
break helios::threads::exit
continue
bt 2
info threads
delete
continue
