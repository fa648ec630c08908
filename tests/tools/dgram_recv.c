/* dgram_recv.c - a datagram socket for tests that play systemd's notify
 * socket: prints each datagram received, then a newline, until SIGTERM. */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: dgram_recv PATH\n");
		return 2;
	}
	memcpy(a.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror(argv[1]);
		return 1;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	return 0;
}
