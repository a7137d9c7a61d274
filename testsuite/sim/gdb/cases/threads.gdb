# A breakpoint in the second thread of a two-thread guest.
break worker_step
continue
info threads
bt 2
print x
monitor tasks
thread 1
bt
thread 2
finish
continue
