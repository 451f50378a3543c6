/*
 * vgpu.c - vGPU instance lifecycle: create and destroy by UUID, lookup,
 * listing, accessors and function-level reset.
 */
#include "vgpu_priv.h"

static bool ops_complete(const struct vgpu_host_ops *ops)
{
    /* The mandatory part of host-ops; tracking, dirty and BAR reports are optional. */
    return ops && ops->read_gpa && ops->write_gpa && ops->map_frame && ops->unmap_frame &&
           ops->inject_msi && ops->set_intx;
}

static struct vgpu *lookup_locked(struct vgpu_parent *p, const vgpu_uuid_t *uuid)
{
    struct vgpu *v;

    OS_ASSERT_HELD(p->lock);
    for (v = p->instances; v; v = v->next)
        if (vgpu_uuid_equal(&v->uuid, uuid))
            return v;
    return NULL;
}

/*
 * A create drops p->lock while it initialises the instance, and lists it
 * only when it is complete; until then it sits on p->creating, so that a
 * concurrent create of the same UUID still sees the UUID as taken.
 */
static bool uuid_taken_locked(struct vgpu_parent *p, const vgpu_uuid_t *uuid)
{
    struct vgpu *v;

    OS_ASSERT_HELD(p->lock);
    if (lookup_locked(p, uuid))
        return true;
    for (v = p->creating; v; v = v->next)
        if (vgpu_uuid_equal(&v->uuid, uuid))
            return true;
    return false;
}

/* Take v off one of its parent's lists (instances, creating). */
static void unlink_locked(struct vgpu **head, struct vgpu *v)
{
    struct vgpu **pp;

    OS_ASSERT_HELD(v->parent->lock);
    for (pp = head; *pp; pp = &(*pp)->next) {
        if (*pp == v) {
            *pp = v->next;
            break;
        }
    }
    v->next = NULL;
}

static void vgpu_free(struct vgpu *v)
{
    if (v->spare_workload) {
        v->spare_workload->owner = NULL;
        vgpu_workload_free(v->spare_workload);
    }
    os_free_large(v->spare_stage);
    vgpu_gtt_fini(v);
    os_free(v->vregs);
    os_mutex_destroy(v->lock);
    os_free(v);
}

int vgpu_create(struct vgpu_parent *p, const char *type_name, const char *uuid,
                const struct vgpu_host_ops *ops, void *host, struct vgpu **out)
{
    const struct vgpu_type *t;
    struct vgpu *v, **tail;
    char ustr[VGPU_UUID_STR_LEN + 1];
    int rc;

    if (!p || !out)
        return -EINVAL;
    if (!ops_complete(ops)) {
        os_err("vgpu_create: host-ops table incomplete");
        return -EINVAL;
    }
    t = vgpu_parent_find_type(p, type_name);
    if (!t) {
        os_err("%s: unknown vGPU type '%s'", p->cfg.name, type_name ? type_name : "(null)");
        return -ENOENT;
    }
    v = os_alloc(sizeof(*v));
    if (!v)
        return -ENOMEM;
    if (vgpu_uuid_parse(uuid, &v->uuid)) {
        os_err("%s: malformed UUID '%s' (want 8-4-4-4-12 hex digits)", p->cfg.name,
               uuid ? uuid : "(null)");
        rc = -EINVAL;
        goto err_free;
    }
    v->parent = p;
    v->type = t;
    v->ops = ops;
    v->host = host;
    v->lock = os_mutex_create();
    v->vregs = os_alloc(RGPU_REGS_SIZE);
    if (!v->lock || !v->vregs) {
        rc = -ENOMEM;
        goto err_free;
    }
    vgpu_uuid_format(&v->uuid, ustr);

    os_mutex_lock(p->lock);
    if (uuid_taken_locked(p, &v->uuid)) {
        os_err("%s: a vGPU with UUID %s already exists", p->cfg.name, ustr);
        rc = -EEXIST;
        goto err_unlock;
    }
    v->id = p->next_id;
    rc = vgpu_parent_reserve(p, v, t);
    if (rc)
        goto err_unlock;
    p->next_id++;
    v->next = p->creating;
    p->creating = v;
    os_mutex_unlock(p->lock);

    rc = vgpu_gtt_init(v);
    if (rc)
        goto err_release;
    /* Not yet visible to any guest: no device lock needed. */
    vgpu_cfg_init(v);
    vgpu_mmio_reset(v);
    vgpu_irq_reset(v);
    v->reset_time_ns = os_now_ns();
    vgpu_sched_attach(p->sched, v);

    os_mutex_lock(p->lock);
    unlink_locked(&p->creating, v);
    for (tail = &p->instances; *tail; tail = &(*tail)->next)
        ;
    *tail = v;
    p->nr_instances++;
    os_mutex_unlock(p->lock);

    os_info("%s: created vGPU %s type %s: gm 0x%llx+0x%llx pipe %u", p->cfg.name,
            ustr, t->name, (unsigned long long)v->gm_base, (unsigned long long)v->gm_size,
            v->pipe);
    *out = v;
    return 0;

    /* Undo in reverse order of the steps above. */
err_release:
    os_mutex_lock(p->lock);
    unlink_locked(&p->creating, v);
    vgpu_parent_release(p, v);
err_unlock:
    os_mutex_unlock(p->lock);
err_free:
    vgpu_free(v);
    return rc;
}

void vgpu_destroy(struct vgpu *v)
{
    struct vgpu_parent *p;
    struct vgpu **pp;
    char ustr[VGPU_UUID_STR_LEN + 1];

    if (!v)
        return;
    p = v->parent;
    /* Stop the engines first: no workload of v may run past this point. */
    vgpu_sched_detach(p->sched, v);
    vgpu_page_track_remove_all(v);
    /* Tell the path the BARs are gone (the Xen path unclaims the ranges). */
    vgpu_cfg_release_bars(v);

    os_mutex_lock(p->lock);
    for (pp = &p->instances; *pp; pp = &(*pp)->next) {
        if (*pp == v) {
            *pp = v->next;
            break;
        }
    }
    vgpu_parent_release(p, v);
    p->nr_instances--;
    os_mutex_unlock(p->lock);

    vgpu_uuid_format(&v->uuid, ustr);
    os_info("%s: destroyed vGPU %s", p->cfg.name, ustr);
    vgpu_free(v);
}

struct vgpu *vgpu_lookup(struct vgpu_parent *p, const vgpu_uuid_t *uuid)
{
    struct vgpu *v;

    os_mutex_lock(p->lock);
    v = lookup_locked(p, uuid);
    os_mutex_unlock(p->lock);
    return v;
}

unsigned int vgpu_list(struct vgpu_parent *p, struct vgpu **out, unsigned int max)
{
    struct vgpu *v;
    unsigned int n = 0;

    os_mutex_lock(p->lock);
    for (v = p->instances; v; v = v->next, n++)
        if (out && n < max)
            out[n] = v;
    os_mutex_unlock(p->lock);
    return n;
}

const vgpu_uuid_t *vgpu_get_uuid(const struct vgpu *v) { return &v->uuid; }
const struct vgpu_type *vgpu_get_type(const struct vgpu *v) { return v->type; }
struct vgpu_parent *vgpu_get_parent(const struct vgpu *v) { return v->parent; }
unsigned int vgpu_get_id(const struct vgpu *v) { return v->id; }
u64 vgpu_gm_base(const struct vgpu *v) { return v->gm_base; }
u64 vgpu_gm_size(const struct vgpu *v) { return v->gm_size; }
u32 vgpu_display_pipe(const struct vgpu *v) { return v->pipe; }
void *vgpu_host(const struct vgpu *v) { return v->host; }

/* GFX_RESET: engines, registers, interrupts, display.  The GTT stays. */
void vgpu_device_reset(struct vgpu *v)
{
    u32 e;

    OS_ASSERT_HELD(v->lock);
    if (v->track_addr_set)
        vgpu_page_track_remove(v, v->track_addr);
    v->track_addr_set = false;

    vgpu_mmio_reset(v);
    for (e = 0; e < RGPU_NUM_ENGINES; e++) {
        vgpu_engine_reset(v, e);
        v->eng[e].error = false;
    }
    vgpu_display_reset(v);
    vgpu_irq_update(v);
    v->reset_time_ns = os_now_ns();
}

/* FLR: all of the above, config space, interrupt delivery and the GTT. */
void vgpu_reset_locked(struct vgpu *v)
{
    OS_ASSERT_HELD(v->lock);
    vgpu_cfg_init(v);
    vgpu_device_reset(v);
    vgpu_irq_reset(v);
    vgpu_gtt_clear(v);
}

int vgpu_get_stats(struct vgpu *v, struct vgpu_stats *out)
{
    u32 e;

    if (!v || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    os_mutex_lock(v->lock);
    for (e = 0; e < RGPU_NUM_ENGINES; e++)
        out->busy_ns[e] = v->eng[e].busy_ns;
    out->workloads = v->stat_workloads;
    out->commands = v->stat_commands;
    out->rejects = v->stat_rejects;
    out->faults = v->stat_faults;
    out->resets = v->stat_resets;
    out->watchdogs = v->stat_watchdogs;
    out->interrupts = v->irq.delivered;
    out->mmio_traps = v->stat_mmio_traps;
    out->cfg_traps = v->stat_cfg_traps;
    out->gtt_updates = v->stat_gtt_updates;
    out->bad_accesses = v->stat_bad_access;
    out->vblanks = v->stat_vblanks;
    os_mutex_unlock(v->lock);
    return 0;
}

int vgpu_reset(struct vgpu *v)
{
    if (!v)
        return -EINVAL;
    os_mutex_lock(v->lock);
    vgpu_reset_locked(v);
    os_mutex_unlock(v->lock);
    return 0;
}
