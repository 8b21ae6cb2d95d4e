/*
 * spawnloop: the C baseline for BenchmarkRunTrue.
 *
 *     spawnloop N prog [args...]
 *
 * Runs prog N times the way StdProcessRunner does on Unix, with nothing
 * else: per iteration it opens the null device for stdin and two pipes
 * (O_CLOEXEC), posix_spawn()s prog in its own process group with the null
 * device on fd 0 and the pipes' write ends on fds 1 and 2, closes its copies
 * of the write ends, reads both pipes to end of file (poll), and reaps the
 * child with wait4() to get its rusage. It prints one line in Go benchmark
 * format so that benchstat and scripts/bench.sh can read it:
 *
 *     BenchmarkCSpawnTrue 	    2000	    123456 ns/op
 *
 * Build: cc -O2 -o spawnloop testdata/spawnloop.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what, int err) {
	fprintf(stderr, "spawnloop: %s: %s\n", what, strerror(err));
	exit(1);
}

static void cloexec_pipe(int fds[2]) {
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) || defined(__DragonFly__)
	if (pipe2(fds, O_CLOEXEC) != 0)
		die("pipe2", errno);
#else
	if (pipe(fds) != 0)
		die("pipe", errno);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
#endif
}

static unsigned long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* drain reads both pipes to end of file and returns the bytes read. */
static unsigned long long drain(int out, int err) {
	static char buf[64 << 10];
	struct pollfd p[2] = {{.fd = out, .events = POLLIN}, {.fd = err, .events = POLLIN}};
	int open = 2;
	unsigned long long total = 0;
	while (open > 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll", errno);
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof buf);
			if (n > 0) {
				total += (unsigned long long)n;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				p[i].fd = -1; /* end of file (or error): stop polling it */
				open--;
			}
		}
	}
	return total;
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: spawnloop N prog [args...]\n");
		return 2;
	}
	long n = strtol(argv[1], NULL, 10);
	if (n <= 0) {
		fprintf(stderr, "spawnloop: N must be positive\n");
		return 2;
	}
	char **child_argv = argv + 2;
	unsigned long long bytes = 0;

	unsigned long long start = now_ns();
	for (long i = 0; i < n; i++) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0)
			die("open /dev/null", errno);
		int out[2], err[2];
		cloexec_pipe(out);
		cloexec_pipe(err);

		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, devnull, 0);
		posix_spawn_file_actions_adddup2(&fa, out[1], 1);
		posix_spawn_file_actions_adddup2(&fa, err[1], 2);
		posix_spawnattr_t attr;
		posix_spawnattr_init(&attr);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
		posix_spawnattr_setpgroup(&attr, 0);

		pid_t pid;
		int rc = posix_spawn(&pid, child_argv[0], &fa, &attr, child_argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&attr);
		if (rc != 0)
			die("posix_spawn", rc);
		close(devnull);
		close(out[1]);
		close(err[1]);

		bytes += drain(out[0], err[0]);
		close(out[0]);
		close(err[0]);

		int status;
		struct rusage ru;
		while (wait4(pid, &status, 0, &ru) < 0) {
			if (errno != EINTR)
				die("wait4", errno);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "spawnloop: %s did not exit 0 (status %#x)\n", child_argv[0], status);
			return 1;
		}
	}
	unsigned long long elapsed = now_ns() - start;

	printf("BenchmarkCSpawnTrue \t%8ld\t%12.0f ns/op\n", n, (double)elapsed / (double)n);
	(void)bytes;
	return 0;
}
