/*
 * sanitizer_options.c - linked into the `make check-asan` build only.
 *
 * The integration scripts run the binary as test users with a cleared
 * environment and through sshd, where ASAN_OPTIONS cannot reach it; the
 * defaults are therefore built in.  Every report goes to a file under
 * /tmp/xpx-asan/ (which tests/run-integration.sh creates and counts at
 * the end) as well as failing the run with status 97.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "log_path=/tmp/xpx-asan/report:exitcode=97:detect_leaks=1";
}

const char *
__ubsan_default_options(void)
{
	return "log_path=/tmp/xpx-asan/report:print_stacktrace=1";
}
