# Break in a function, backtrace with files and lines, locals, change a
# variable, next/stepi/finish, info registers, continue to the end.
break accumulate
continue
bt
info locals
print n
set var n = 5
next
next
next
print total
stepi
print $pc
info registers rip eflags cs ss fs_base gs_base
finish
x/s &g_counter
print g_counter
continue
