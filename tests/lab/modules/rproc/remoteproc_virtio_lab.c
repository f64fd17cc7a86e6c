// SPDX-License-Identifier: GPL-2.0
/* See remoteproc_core_lab.c: the upstream remoteproc_virtio.c, its driver registered by the module init. */
#include <linux/module.h>
#include <linux/platform_device.h>
int lab_rproc_virtio_register(void);
void lab_rproc_virtio_unregister(void);
#undef builtin_platform_driver
#define builtin_platform_driver(drv) \
	int lab_rproc_virtio_register(void) { return platform_driver_register(&drv); } \
	void lab_rproc_virtio_unregister(void) { platform_driver_unregister(&drv); }
#include "remoteproc_virtio.c"
