// SPDX-License-Identifier: GPL-2.0
/*
 * In the kernel tree CONFIG_REMOTEPROC is a bool: remoteproc_core.c (subsys_initcall) and
 * remoteproc_virtio.c (builtin_platform_driver) each bring their own initcall. Linked into one
 * loadable module, both would define init_module, so this wrapper compiles the upstream file
 * (extracted by prepare.sh, not in the repository) unchanged with its initcalls turned into
 * functions that remoteproc_mod_lab.c calls in the in-kernel order.
 */
#include <linux/module.h>
#include <linux/init.h>
#undef subsys_initcall
#define subsys_initcall(fn)
#undef module_exit
#define module_exit(fn)
#include "remoteproc_core.c"

int __init lab_remoteproc_core_init(void)
{
	return remoteproc_init();
}

void __exit lab_remoteproc_core_exit(void)
{
	remoteproc_exit();
}
