# valgrind.sh - the valgrind wrapper of `make check-valgrind` (sourced).
#
# XP_VALGRIND is the valgrind command line (the makefile's VALGRIND);
# XP_VALGRIND_LOGS a world-writable directory that takes one log per run.

# valgrind_wrapper BIN OUT: write OUT, an executable script that runs BIN
# under $XP_VALGRIND with the same arguments, logging to
# $XP_VALGRIND_LOGS/<pid>.<ns>.log (a PID alone is reused, and another
# user's log in the sticky directory cannot be replaced).  argv[0] is not
# carried over; valgrind and date are named by their paths (a test may
# set PATH to almost nothing).
valgrind_wrapper() {
	local vg date
	vg=$(command -v valgrind) && date=$(command -v date) || return 1
	cat >"$2" <<WRAP || return 1
#!/bin/sh
exec ${XP_VALGRIND/#valgrind/$vg} --log-file=$XP_VALGRIND_LOGS/\$\$.\$($date +%s%N).log $1 "\$@"
WRAP
	chmod 755 "$2"
}
