// SPDX-License-Identifier: GPL-2.0
/* The init/exit of the out-of-tree remoteproc.ko: core first, then the rproc-virtio driver. */
#include <linux/module.h>
#include <linux/init.h>

int __init lab_remoteproc_core_init(void);
void __exit lab_remoteproc_core_exit(void);
int lab_rproc_virtio_register(void);
void lab_rproc_virtio_unregister(void);

static int __init lab_remoteproc_init(void)
{
	int ret = lab_remoteproc_core_init();

	if (ret)
		return ret;
	ret = lab_rproc_virtio_register();
	if (ret)
		lab_remoteproc_core_exit();
	return ret;
}

static void __exit lab_remoteproc_exit(void)
{
	lab_rproc_virtio_unregister();
	lab_remoteproc_core_exit();
}

module_init(lab_remoteproc_init);
module_exit(lab_remoteproc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("remoteproc core + rproc-virtio (upstream sources, built out of tree for the lab)");
