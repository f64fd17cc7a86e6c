/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uio_msi ABI: bind a PCI device's MSI-X vector to an eventfd.
 *
 * The interface proposed for drivers/uio (never merged upstream), implemented by this project's
 * lab driver tests/lab/modules/uio_msi. Usable from the kernel and from userspace.
 *
 * ioctl(fd, UIO_MSI_IRQ_SET, &set): vec < number of vectors, else ERANGE; fd an eventfd the
 * vector's interrupt signals, or -1 to unbind the vector.
 */
#ifndef _UAPI_UIO_MSI_H
#define _UAPI_UIO_MSI_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct uio_msi_irq_set {
	__u32 vec;
	int fd;
};

#define UIO_MSI_BASE	0x86
#define UIO_MSI_IRQ_SET	_IOW('I', UIO_MSI_BASE + 1, struct uio_msi_irq_set)

#endif /* _UAPI_UIO_MSI_H */
