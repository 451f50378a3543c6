/*
 * log_domain.h - the domain id on every line the daemon logs.
 *
 * An operator reading the log of a daemon that serves many guests needs to
 * know which guest each line is about.  The backend's own messages name
 * their domain ("domN: ..."); the core's name a vGPU ("vgpuN: ...") and
 * know nothing of domains.  log_domain installs the OS shim's prefix hook:
 * a line that does not start with "domN" gets "domN: " from, in order,
 * the vGPU it names (bound here while the vGPU is attached), the domain
 * whose requests this thread is serving, or 0: the daemon itself, in dom0.
 */
#ifndef VGPU_LOG_DOMAIN_H
#define VGPU_LOG_DOMAIN_H

void log_domain_init(void);
/* vGPU (core id) attached to / detached from a domain. */
void log_domain_bind_vgpu(unsigned int vgpu_id, unsigned int domid);
void log_domain_unbind_vgpu(unsigned int vgpu_id);
/* This thread serves domid's requests until log_domain_leave(). */
void log_domain_enter(unsigned int domid);
void log_domain_leave(void);

#endif /* VGPU_LOG_DOMAIN_H */
