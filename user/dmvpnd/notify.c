// SPDX-License-Identifier: GPL-2.0
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int notify_service_manager(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t name_len, state_len = strlen(state);
	socklen_t sa_len;
	ssize_t n;
	int fd, ret = 0;

	if (!name || !*name)
		return 0;
	name_len = strlen(name);
	/* A path, or an abstract name written with a leading '@'. */
	if ((name[0] != '/' && name[0] != '@') ||
	    name_len > sizeof(sun.sun_path))
		return -EINVAL;
	if (name[0] == '/' && name_len == sizeof(sun.sun_path))
		return -EINVAL;
	memcpy(sun.sun_path, name, name_len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name_len +
			     (name[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, state_len, MSG_NOSIGNAL,
		   (struct sockaddr *)&sun, sa_len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != state_len)
		ret = -EMSGSIZE;
	close(fd);
	return ret;
}
