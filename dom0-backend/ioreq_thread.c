/*
 * ioreq_thread.c - each domain's IOREQs served by threads of its own.
 *
 * A vCPU that traps waits until its request is answered, so whatever runs
 * on the thread that answers it is latency for that guest.  Each domain
 * therefore gets its own lane(s): a thread polling an event channel handle
 * on which only that domain's vCPU ports are bound, plus the domain's stop
 * eventfd.  Nothing else runs there: xenstore, the control socket and
 * screenshots stay on the main thread (a screenshot's encoding on a
 * low-priority thread of its own), the device model's engines on theirs,
 * so one domain's slow path never delays another's vCPUs
 * (docs/architecture.md, "Daemon threads").
 *
 * One lane per domain is the default; backend.lane_per_vcpu gives each
 * vCPU its own (docs/benchmarks.md compares them).  Everything here is
 * Xen-free: the event channel is an ops table, so the tests and the bench
 * drive the same threads through a fake.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend.h"
#include "log_domain.h"

static long ioreq_threads;

long xen_ioreq_threads(void)
{
    return __atomic_load_n(&ioreq_threads, __ATOMIC_RELAXED);
}

struct xen_domain *xen_domain_alloc(struct backend *be, domid_t domid)
{
    struct xen_domain *d = calloc(1, sizeof(*d));
    pthread_rwlockattr_t ra;

    if (!d)
        return NULL;
    d->be = be;
    d->domid = domid;
    d->stop_fd = -1;
    /* A storming domain's lanes hold the read lock back to back: the main
     * thread, which only writes to add or remove a vGPU, must not starve. */
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&d->devs_lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&d->claim_lock, NULL);
    return d;
}

void xen_domain_free(struct xen_domain *d)
{
    if (!d)
        return;
    xen_domain_stop_service(d);
    pthread_rwlock_destroy(&d->devs_lock);
    pthread_mutex_destroy(&d->claim_lock);
    free(d->ports);
    free(d->vcpu_ioreqs);
    free(d);
}

int xen_domain_bind_vcpus(struct xen_domain *d)
{
    unsigned int per_lane = d->be->lane_per_vcpu ? 1 : d->nr_vcpus;

    if (!d->nr_vcpus || !d->evt_ops || !d->iopage)
        return -EINVAL;
    d->ports = calloc(d->nr_vcpus, sizeof(*d->ports));
    d->vcpu_ioreqs = calloc(d->nr_vcpus, sizeof(*d->vcpu_ioreqs));
    d->nr_lanes = d->nr_vcpus / per_lane;
    d->lanes = calloc(d->nr_lanes, sizeof(*d->lanes));
    if (!d->ports || !d->vcpu_ioreqs || !d->lanes)
        return -ENOMEM;
    for (unsigned int i = 0; i < d->nr_lanes; i++) {
        struct ioreq_lane *l = &d->lanes[i];

        l->d = d;
        l->first_vcpu = i * per_lane;
        l->nr_vcpus = per_lane;
        l->evt = d->evt_ops->open(d->evt_ctx);
        if (!l->evt)
            return -(errno ? errno : ENOMEM);
        for (unsigned int v = l->first_vcpu; v < l->first_vcpu + l->nr_vcpus; v++) {
            int rc = d->evt_ops->bind(l->evt, d->domid, d->iopage->vcpu_ioreq[v].vp_eport,
                                      &d->ports[v]);

            if (rc)
                return rc;
        }
    }
    return 0;
}

static void *lane_main(void *arg)
{
    struct ioreq_lane *l = arg;
    struct xen_domain *d = l->d;
    struct pollfd fds[] = {
        { .fd = d->evt_ops->fd(l->evt), .events = POLLIN },
        { .fd = d->stop_fd, .events = POLLIN },
    };

    log_domain_enter(d->domid);         /* every line this thread logs is d's */
    for (;;) {
        if (poll(fds, sizeof(fds) / sizeof(fds[0]), -1) < 0) {
            if (errno == EINTR)
                continue;
            os_err("dom%u: IOREQ thread: poll: %s", d->domid, strerror(errno));
            break;
        }
        if (fds[1].revents)
            break;
        if (fds[0].revents & POLLIN)
            ioreq_lane_serve(l);
    }
    log_domain_leave();
    __atomic_sub_fetch(&ioreq_threads, 1, __ATOMIC_RELEASE);
    return NULL;
}

int xen_domain_start_service(struct xen_domain *d)
{
    sigset_t all, old;
    int rc = 0;

    d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->stop_fd < 0)
        return -errno;
    /* Signals are the main thread's (its self-pipe): the lanes inherit a
     * blocked set. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (unsigned int i = 0; i < d->nr_lanes && !rc; i++) {
        __atomic_add_fetch(&ioreq_threads, 1, __ATOMIC_RELAXED);
        rc = -pthread_create(&d->lanes[i].thread, NULL, lane_main, &d->lanes[i]);
        d->lanes[i].running = !rc;
        if (rc)
            __atomic_sub_fetch(&ioreq_threads, 1, __ATOMIC_RELAXED);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void xen_domain_stop_service(struct xen_domain *d)
{
    uint64_t one = 1;

    /* The eventfd stays readable (nobody reads it): one write stops all. */
    if (d->stop_fd >= 0 && write(d->stop_fd, &one, sizeof(one)) != sizeof(one))
        os_err("dom%u: cannot stop the IOREQ threads: %s", d->domid, strerror(errno));
    for (unsigned int i = 0; i < d->nr_lanes; i++) {
        struct ioreq_lane *l = &d->lanes[i];

        if (l->running)
            pthread_join(l->thread, NULL);
        l->running = false;
        if (l->evt)
            d->evt_ops->close(l->evt);
        l->evt = NULL;
    }
    free(d->lanes);
    d->lanes = NULL;
    d->nr_lanes = 0;
    if (d->stop_fd >= 0)
        close(d->stop_fd);
    d->stop_fd = -1;
}

void xen_domain_link_vgpu(struct xen_domain *d, struct xen_vgpu *xv)
{
    pthread_rwlock_wrlock(&d->devs_lock);
    xv->next = d->devs;
    d->devs = xv;
    pthread_rwlock_unlock(&d->devs_lock);
}

void xen_domain_unlink_vgpu(struct xen_domain *d, struct xen_vgpu *xv)
{
    pthread_rwlock_wrlock(&d->devs_lock);
    for (struct xen_vgpu **pp = &d->devs; *pp; pp = &(*pp)->next) {
        if (*pp == xv) {
            *pp = xv->next;
            break;
        }
    }
    pthread_rwlock_unlock(&d->devs_lock);
    xv->next = NULL;
}
