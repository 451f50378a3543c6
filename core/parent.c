/*
 * parent.c - one physical GPU and the partitioning of its resources
 * among vGPU instances (the mdev "parent").
 *
 * Graphics memory is handed out as naturally aligned runs, as
 * a buddy allocator would: a slice of k granules starts at a multiple of k.
 * With every type a power-of-two fraction of the GPU this never fragments,
 * and available_instances is an exact count of free aligned runs.
 */
#include "vgpu_priv.h"

static bool run_is_free(const u8 *used, u32 start, u32 k)
{
    u32 i;

    for (i = 0; i < k; i++)
        if (used[start + i])
            return false;
    return true;
}

/* Number of free naturally aligned runs of k units among n. */
static u32 count_free_runs(const u8 *used, u32 n, u32 k)
{
    u32 start, count = 0;

    if (k == 0)
        return n ? ~0u : 0;
    for (start = 0; start + k <= n; start += k)
        if (run_is_free(used, start, k))
            count++;
    return count;
}

/* First free aligned run of k units, or -ENOSPC. */
static long find_free_run(const u8 *used, u32 n, u32 k)
{
    u32 start;

    if (k == 0)
        return 0;
    for (start = 0; start + k <= n; start += k)
        if (run_is_free(used, start, k))
            return start;
    return -ENOSPC;
}

static void mark_run(u8 *used, u32 start, u32 k, u8 val)
{
    memset(used + start, val, k);
}

int vgpu_parent_create(const struct vgpu_parent_config *cfg, struct vgpu_parent **out)
{
    struct pgpu *pgpu = cfg ? cfg->pgpu : NULL;
    struct vgpu_parent *p;
    u64 chunk = ~0ull;
    unsigned int i;
    int rc = -ENOMEM;

    if (!cfg || !out || !pgpu) {
        rc = -EINVAL;
        goto fail_pgpu;
    }
    for (i = 0; i < vgpu_nr_types; i++)
        chunk = OS_MIN(chunk, vgpu_types[i].gm_size);
    if (cfg->gm_size < chunk || cfg->gm_size % chunk || cfg->gm_size / chunk > 4096 ||
        cfg->gm_size > (u64)(RGPU_GTT_SIZE / 8) << VGPU_PAGE_SHIFT ||
        cfg->gm_size > (u64)pgpu->gtt_entries << PGPU_PAGE_SHIFT ||
        !cfg->weight_budget || !cfg->display_pipes || cfg->display_pipes > 256) {
        os_err("parent %s: invalid resource configuration", cfg->name ? cfg->name : "?");
        rc = -EINVAL;
        goto fail_pgpu;
    }

    p = os_alloc(sizeof(*p));
    if (!p)
        goto fail_pgpu;
    p->cfg = *cfg;
    p->pgpu = pgpu;
    if (!p->cfg.name)
        p->cfg.name = "rgpu";
    p->gm_chunk = chunk;
    p->nr_chunks = (u32)(cfg->gm_size / chunk);
    p->next_id = 1;
    p->lock = os_mutex_create();
    p->chunk_used = os_alloc(p->nr_chunks);
    p->pipe_owner = os_alloc(cfg->display_pipes * sizeof(u32));
    if (!p->lock || !p->chunk_used || !p->pipe_owner)
        goto fail;
    if (!p->cfg.slice_ns)
        p->cfg.slice_ns = 1000000ull;
    if (!p->cfg.watchdog_ns)
        p->cfg.watchdog_ns = 2000000000ull;
    rc = vgpu_mmio_table_build(&p->mmio, vgpu_ref_regs, vgpu_ref_nr_regs,
                               vgpu_ref_ranges, vgpu_ref_nr_ranges);
    if (rc)
        goto fail;
    rc = vgpu_sched_create(p, &p->sched);
    if (rc)
        goto fail;
    rc = vgpu_display_start(p);
    if (rc)
        goto fail;
    os_info("parent %s: %llu MiB graphics memory, weight budget %u, %u pipes",
            p->cfg.name, (unsigned long long)(cfg->gm_size >> 20), cfg->weight_budget,
            cfg->display_pipes);
    *out = p;
    return 0;

fail:
    vgpu_display_stop(p);
    vgpu_sched_destroy(p->sched);
    vgpu_mmio_table_free(&p->mmio);
    os_free(p->pipe_owner);
    os_free(p->chunk_used);
    os_mutex_destroy(p->lock);
    os_free(p);
fail_pgpu:
    /* The pgpu was handed over: a failed create must not leak it. */
    if (pgpu)
        pgpu->ops->destroy(pgpu);
    return rc;
}

int vgpu_parent_destroy(struct vgpu_parent *p)
{
    if (!p)
        return 0;
    os_mutex_lock(p->lock);
    if (p->nr_instances) {
        unsigned int n = p->nr_instances;

        os_mutex_unlock(p->lock);
        os_err("parent %s: %u vGPU instance(s) still exist; destroy them first", p->cfg.name, n);
        return -EBUSY;
    }
    os_mutex_unlock(p->lock);
    vgpu_display_stop(p);
    vgpu_sched_destroy(p->sched);
    p->pgpu->ops->destroy(p->pgpu);
    vgpu_mmio_table_free(&p->mmio);
    os_free(p->pipe_owner);
    os_free(p->chunk_used);
    os_mutex_destroy(p->lock);
    os_free(p);
    return 0;
}

unsigned int vgpu_parent_num_types(const struct vgpu_parent *p)
{
    (void)p;
    return vgpu_nr_types;
}

const struct vgpu_type *vgpu_parent_type(const struct vgpu_parent *p, unsigned int idx)
{
    (void)p;
    return idx < vgpu_nr_types ? &vgpu_types[idx] : NULL;
}

const struct vgpu_type *vgpu_parent_find_type(const struct vgpu_parent *p, const char *name)
{
    unsigned int i;

    (void)p;
    if (!name)
        return NULL;
    for (i = 0; i < vgpu_nr_types; i++)
        if (!strcmp(vgpu_types[i].name, name))
            return &vgpu_types[i];
    return NULL;
}

static u32 type_chunks(const struct vgpu_parent *p, const struct vgpu_type *t)
{
    return (u32)(t->gm_size / p->gm_chunk);
}

static u32 free_pipes(const struct vgpu_parent *p)
{
    u32 i, n = 0;

    for (i = 0; i < p->cfg.display_pipes; i++)
        n += !p->pipe_owner[i];
    return n;
}

static u32 available_locked(const struct vgpu_parent *p, const struct vgpu_type *t)
{
    u32 n;

    OS_ASSERT_HELD(p->lock);
    n = count_free_runs(p->chunk_used, p->nr_chunks, type_chunks(p, t));
    if (t->weight)
        n = OS_MIN(n, (p->cfg.weight_budget - p->weight_used) / t->weight);
    return OS_MIN(n, free_pipes(p));
}

unsigned int vgpu_type_available_instances(struct vgpu_parent *p, const struct vgpu_type *t)
{
    u32 n;

    if (!p || !t)
        return 0;
    os_mutex_lock(p->lock);
    n = available_locked(p, t);
    os_mutex_unlock(p->lock);
    return n;
}

void vgpu_parent_usage(struct vgpu_parent *p, struct vgpu_parent_usage *out)
{
    u32 i, chunks_free = 0;

    os_mutex_lock(p->lock);
    for (i = 0; i < p->nr_chunks; i++)
        chunks_free += !p->chunk_used[i];
    out->gm_total = p->cfg.gm_size;
    out->gm_free = chunks_free * p->gm_chunk;
    out->weight_total = p->cfg.weight_budget;
    out->weight_free = p->cfg.weight_budget - p->weight_used;
    out->pipes_total = p->cfg.display_pipes;
    out->pipes_free = free_pipes(p);
    out->instances = p->nr_instances;
    os_mutex_unlock(p->lock);
}

/*
 * Reserve everything a type needs in one step under the parent lock, so
 * two concurrent creates can never both take the last slice.  Fills the
 * vGPU's gm/pipe fields.
 */
int vgpu_parent_reserve(struct vgpu_parent *p, struct vgpu *v, const struct vgpu_type *t)
{
    long chunk;
    u32 pipe;

    OS_ASSERT_HELD(p->lock);
    if (t->weight > p->cfg.weight_budget - p->weight_used) {
        os_err("%s: no engine time left for type %s (weight %u, %u of %u free)", p->cfg.name,
               t->name, t->weight, p->cfg.weight_budget - p->weight_used, p->cfg.weight_budget);
        return -ENOSPC;
    }
    chunk = find_free_run(p->chunk_used, p->nr_chunks, type_chunks(p, t));
    if (chunk < 0) {
        os_err("%s: no free graphics memory for type %s (needs %llu MiB)", p->cfg.name,
               t->name, (unsigned long long)(t->gm_size >> 20));
        return -ENOSPC;
    }
    for (pipe = 0; pipe < p->cfg.display_pipes; pipe++)
        if (!p->pipe_owner[pipe])
            break;
    if (pipe == p->cfg.display_pipes) {
        os_err("%s: no free display pipe for type %s", p->cfg.name, t->name);
        return -ENOSPC;
    }

    mark_run(p->chunk_used, (u32)chunk, type_chunks(p, t), 1);
    p->weight_used += t->weight;
    v->weight = t->weight;
    p->pipe_owner[pipe] = v->id;
    v->gm_base = (u64)chunk * p->gm_chunk;
    v->gm_size = t->gm_size;
    v->pipe = pipe;
    return 0;
}

void vgpu_parent_release(struct vgpu_parent *p, struct vgpu *v)
{
    OS_ASSERT_HELD(p->lock);
    mark_run(p->chunk_used, (u32)(v->gm_base / p->gm_chunk), (u32)(v->gm_size / p->gm_chunk), 0);
    p->weight_used -= v->weight;
    p->pipe_owner[v->pipe] = 0;
}

int vgpu_set_weight(struct vgpu *v, u32 weight)
{
    struct vgpu_parent *p;
    int rc = 0;

    if (!v || !weight)
        return -EINVAL;
    p = v->parent;
    os_mutex_lock(p->lock);
    if (weight > v->weight && weight - v->weight > p->cfg.weight_budget - p->weight_used) {
        os_err("%s: vgpu%u: weight %u exceeds the budget (%u of %u free)", p->cfg.name, v->id,
               weight, p->cfg.weight_budget - p->weight_used + v->weight, p->cfg.weight_budget);
        rc = -ENOSPC;
    } else {
        p->weight_used = p->weight_used - v->weight + weight;
        __atomic_store_n(&v->weight, weight, __ATOMIC_RELAXED);   /* read by the scheduler */
    }
    os_mutex_unlock(p->lock);
    return rc;
}

u32 vgpu_get_weight(const struct vgpu *v)
{
    return __atomic_load_n(&v->weight, __ATOMIC_RELAXED);
}

bool vgpu_parent_sched_step(struct vgpu_parent *p, u32 engine)
{
    return engine < RGPU_NUM_ENGINES && vgpu_sched_step(p->sched, engine);
}

int vgpu_parent_wait_idle(struct vgpu_parent *p, u64 timeout_ns)
{
    return vgpu_sched_wait_idle(p->sched, timeout_ns);
}
