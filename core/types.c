/*
 * types.c - the static vGPU type table and the reference GPU's resources.
 *
 * Modelled on GVT-g's GVTg_V5_{8,4,2,1}: the suffix is how many instances
 * of the type fit on one reference GPU.  Every type consumes the same
 * fraction of each resource (graphics memory, engine weight), so a
 * mix of types packs exactly; display pipes are one per instance.
 */
#include "vgpu_priv.h"

#define MiB (1024ull * 1024ull)

const struct vgpu_type vgpu_types[] = {
    { "refgpu-16", "1/16 of a reference GPU: 128 MiB graphics memory, weight 1, up to 1024x768",
      128 * MiB, 1, 1024, 768 },
    { "refgpu-8", "1/8 of a reference GPU: 256 MiB graphics memory, weight 2, up to 1920x1080",
      256 * MiB, 2, 1920, 1080 },
    { "refgpu-4", "1/4 of a reference GPU: 512 MiB graphics memory, weight 4, up to 1920x1200",
      512 * MiB, 4, 1920, 1200 },
    { "refgpu-2", "1/2 of a reference GPU: 1 GiB graphics memory, weight 8, up to 2560x1600",
      1024 * MiB, 8, 2560, 1600 },
    { "refgpu-1", "a whole reference GPU: 2 GiB graphics memory, weight 16, up to 3840x2160",
      2048 * MiB, 16, 3840, 2160 },
};
const unsigned int vgpu_nr_types = OS_ARRAY_SIZE(vgpu_types);

const struct vgpu_type *vgpu_type_find(const char *name)
{
    unsigned int i;

    for (i = 0; name && i < vgpu_nr_types; i++)
        if (!strcmp(vgpu_types[i].name, name))
            return &vgpu_types[i];
    return NULL;
}

void vgpu_type_unknown(const char *name, char *out, size_t len)
{
    size_t o;
    unsigned int i;

    if (!len)
        return;
    o = (size_t)os_snprintf(out, len, "vGPU type '%s' unknown; known: ", name ? name : "");
    for (i = 0; i < vgpu_nr_types && o < len; i++)
        o += (size_t)os_snprintf(out + o, len - o, "%s%s", i ? ", " : "", vgpu_types[i].name);
}

void vgpu_parent_default_config(struct vgpu_parent_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->name = "rgpu0";
    cfg->gm_size = 2048 * MiB;
    cfg->weight_budget = 16;
    cfg->display_pipes = 16;
}
