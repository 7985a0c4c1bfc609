/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The service manager's readiness protocol (sd_notify(3)), by hand: one
 * datagram to the AF_UNIX socket named in $NOTIFY_SOCKET, so that a unit
 * of Type=notify knows when the agent serves, reloads and stops, without
 * linking libsystemd.
 */
#ifndef DMVPND_NOTIFY_H
#define DMVPND_NOTIFY_H

/*
 * Send @state ("READY=1", "RELOADING=1", "STOPPING=1", ...).  0 when sent
 * or when there is nobody to tell ($NOTIFY_SOCKET unset); -errno else.
 */
int notify_service_manager(const char *state);

#endif
