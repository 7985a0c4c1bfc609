// SPDX-License-Identifier: GPL-2.0
/*
 * frr-vty: commands to one FRR daemon over its vtysh socket, for the
 * selftests that ask FRR what it has.
 *
 *   frr-vty SOCKET COMMAND...
 *
 * SOCKET is a daemon's vtysh socket (/run/frr/PATHSPACE/DAEMON.vty).
 * Each COMMAND goes as vtysh sends it (the line and a NUL); the daemon's
 * answer, up to the three NULs and the status byte that end it, goes to
 * stdout.  The connection starts in the view node: "enable" and
 * "configure terminal" come first for a configuration change, as typed.
 *
 * Why not vtysh: it builds every daemon's command tree before it sends a
 * line, 0.5-0.7 s of CPU a call in the TCG guest against milliseconds
 * here.  vtysh stays for what spans daemons (show running-config).
 *
 * Exit status: 0 when every command succeeded, 1 when one did not (its
 * status on stderr; the rest are not sent), 2 on a usage or socket error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The daemon's status byte after a command (lib/command.h: CMD_SUCCESS). */
#define VTY_CMD_SUCCESS 0

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "frr-vty: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "frr-vty: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_line(int fd, const char *line)
{
	size_t len = strlen(line) + 1, off = 0;

	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/*
 * Copies the answer to stdout up to its end marker (three NULs, then the
 * status byte), which it returns; -1 when the daemon hung up first.  The
 * last four bytes seen are held back until more arrive, so the marker
 * never reaches stdout even split across reads.
 */
static int relay_answer(int fd)
{
	unsigned char buf[4096 + 4];
	size_t held = 0;

	for (;;) {
		ssize_t n = read(fd, buf + held, sizeof(buf) - held);
		size_t have;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have = held + (size_t)n;
		if (have >= 4 && !buf[have - 4] && !buf[have - 3] &&
		    !buf[have - 2]) {
			fwrite(buf, 1, have - 4, stdout);
			return buf[have - 1];
		}
		held = have < 4 ? have : 4;
		fwrite(buf, 1, have - held, stdout);
		memmove(buf, buf + have - held, held);
	}
}

int main(int argc, char **argv)
{
	int fd, status = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: frr-vty SOCKET COMMAND...\n");
		return 2;
	}
	fd = connect_to(argv[1]);
	if (fd < 0)
		return 2;
	for (int i = 2; i < argc && !status; i++) {
		int ret;

		if (send_line(fd, argv[i])) {
			fprintf(stderr, "frr-vty: %s: %s\n", argv[1],
				strerror(errno));
			return 2;
		}
		ret = relay_answer(fd);
		if (ret < 0) {
			fprintf(stderr, "frr-vty: %s closed the connection\n",
				argv[1]);
			return 2;
		}
		if (ret != VTY_CMD_SUCCESS) {
			fprintf(stderr, "frr-vty: \"%s\": status %d\n",
				argv[i], ret);
			status = 1;
		}
	}
	fflush(stdout);
	close(fd);
	return status;
}
