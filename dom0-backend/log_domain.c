/*
 * log_domain.c - the domain id on every log line (see log_domain.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "log_domain.h"

/* Attached vGPUs: few (a parent has at most a few dozen instances). */
#define MAX_BOUND 256

static struct {
    unsigned int vgpu_id, domid;        /* vgpu_id 0: free slot */
} bound[MAX_BOUND];
static pthread_mutex_t bound_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int current_domid = -1;

void log_domain_bind_vgpu(unsigned int vgpu_id, unsigned int domid)
{
    pthread_mutex_lock(&bound_lock);
    for (size_t i = 0; i < MAX_BOUND; i++) {
        if (!bound[i].vgpu_id || bound[i].vgpu_id == vgpu_id) {
            bound[i].vgpu_id = vgpu_id;
            bound[i].domid = domid;
            break;
        }
    }
    pthread_mutex_unlock(&bound_lock);
}

void log_domain_unbind_vgpu(unsigned int vgpu_id)
{
    pthread_mutex_lock(&bound_lock);
    for (size_t i = 0; i < MAX_BOUND; i++)
        if (bound[i].vgpu_id == vgpu_id)
            bound[i].vgpu_id = 0;
    pthread_mutex_unlock(&bound_lock);
}

void log_domain_enter(unsigned int domid) { current_domid = (int)domid; }
void log_domain_leave(void) { current_domid = -1; }

static int vgpu_domid(unsigned int vgpu_id)
{
    int domid = -1;

    pthread_mutex_lock(&bound_lock);
    for (size_t i = 0; i < MAX_BOUND && domid < 0; i++)
        if (bound[i].vgpu_id && bound[i].vgpu_id == vgpu_id)
            domid = (int)bound[i].domid;
    pthread_mutex_unlock(&bound_lock);
    return domid;
}

static size_t prefix(const char *msg, char *buf, size_t size)
{
    unsigned int id;
    int domid = -1, n;

    if (!strncmp(msg, "dom", 3) && msg[3] >= '0' && msg[3] <= '9')
        return 0;
    if (sscanf(msg, "vgpu%u:", &id) == 1)
        domid = vgpu_domid(id);
    if (domid < 0)
        domid = current_domid;
    n = snprintf(buf, size, "dom%d: ", domid < 0 ? 0 : domid);
    return n < 0 ? 0 : (size_t)n;
}

void log_domain_init(void)
{
    os_log_set_prefix(prefix);
}
