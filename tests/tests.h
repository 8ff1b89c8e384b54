/*
 * tests.h - the CUnit suites, and the fixtures they share.
 */
#ifndef TESTS_H
#define TESTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <CUnit/CUnit.h>

extern CU_TestInfo display_tests[];
extern CU_TestInfo dirs_tests[];
extern CU_TestInfo conf_tests[];
extern CU_TestInfo cli_tests[];
extern CU_TestInfo sockdir_tests[];
extern CU_TestInfo relay_tests[];
extern CU_TestInfo request_tests[];

/* fixture.c: scratch directories and sockets, removed at exit. */

/* A fresh mode 0700 directory; the path is static storage per call. */
const char	*fixture_dir(void);

/* dir/name in one of 4 rotating static buffers (aborts on overflow). */
const char	*fixture_path(const char *dir, const char *name);

/* A listening socket at path; returns its fd (close it to make it stale). */
int	fixture_listen(const char *path);

/* A stale socket file at path: bound, then closed. */
void	fixture_stale(const char *path);

/* fork(): in the child, close every fd but those in keep[] (n of them). */
pid_t	fixture_fork(const int *keep, size_t n);

/* peer.c: deterministic byte streams, verified end to end. */

/* Byte i of stream seed. */
uint8_t	pattern_byte(uint32_t seed, uint64_t i);

struct exchange {
	int		 wfd, rfd;	/* either may be -1 */
	uint32_t	 wseed, rseed;
	uint64_t	 wlen;		/* bytes to write, then close wfd */
	uint64_t	 read;		/* out: bytes read until EOF */
	uint64_t	 bad;		/* out: bytes that did not match */
	int		 err;		/* out: errno of a failure */
};

/*
 * Write wlen pattern bytes to wfd (then shut a socket down for writing,
 * or close a pipe end: half-close) while reading rfd to EOF and checking
 * it against rseed, both at once.  Sets rfd to -1 at EOF, unclosed.
 * Returns 0, or -errno.
 */
int	exchange_run(struct exchange *x);

#endif /* TESTS_H */
