// SPDX-License-Identifier: GPL-2.0
/*
 * uio_msi - LinuxDevices lab driver implementing the uio_msi ABI (uio_msi.h).
 *
 * Binds to a PCI device with MSI-X (in the lab: QEMU's e1000e, 5 vectors), exposes its memory
 * BARs (except the ones holding the MSI-X table and PBA) and I/O BARs as a UIO device, and lets
 * userspace bind each MSI-X vector to an eventfd with UIO_MSI_IRQ_SET.
 *
 * Linux 6.12's struct uio_info has no ioctl hook and the UIO core's file operations have no
 * unlocked_ioctl, so the ioctl cannot be served on /dev/uioN itself. This driver therefore pairs
 * the UIO device with a misc device /dev/uioN-msi (same parent PCI device, so it is found at
 * /sys/class/uio/uioN/device/misc/uioN-msi) that implements the ABI unchanged. Vectors bound
 * through an open file of that node are released when the file is closed.
 *
 * Every vector interrupt also counts as a UIO event (uio_event_notify), so read()/poll() on
 * /dev/uioN and /sys/class/uio/uioN/event see the sum of all bound vectors.
 *
 * Written for the LinuxDevices test lab from the ABI description; not derived from the
 * never-merged upstream proposal's code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uio_driver.h>
#include <linux/version.h>
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/kref.h>
#include <linux/slab.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "uio_msi.h"

#define LAB_UIO_MSI_MAX_VECTORS 32

struct lab_uio_msi;

struct lab_uio_msi_vector {
	struct lab_uio_msi *owner_dev;
	struct eventfd_ctx *trigger;	/* non-NULL while bound (irq requested) */
	struct file *bound_by;		/* the file whose release unbinds it */
	int irq;
	char label[40];			/* shown in /proc/interrupts while bound */
};

struct lab_uio_msi {
	struct kref ref;
	struct pci_dev *pdev;
	struct uio_info info;
	struct miscdevice misc;
	char misc_name[32];
	struct mutex lock;		/* vectors, gone */
	bool gone;
	unsigned int nvec;
	struct lab_uio_msi_vector vec[LAB_UIO_MSI_MAX_VECTORS];
};

static const char *const lab_bar_names[PCI_STD_NUM_BARS] = {
	"BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5",
};

static void lab_uio_msi_free(struct kref *ref)
{
	kfree(container_of(ref, struct lab_uio_msi, ref));
}

static irqreturn_t lab_uio_msi_vector_irq(int irq, void *arg)
{
	struct lab_uio_msi_vector *v = arg;

	/* trigger is set before request_irq and cleared only after free_irq */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(v->trigger);
#else
	eventfd_signal(v->trigger, 1);	/* the count argument went away in 6.8 */
#endif
	uio_event_notify(&v->owner_dev->info);
	return IRQ_HANDLED;
}

/* Caller holds u->lock. */
static void lab_uio_msi_unbind(struct lab_uio_msi_vector *v)
{
	if (!v->trigger)
		return;
	free_irq(v->irq, v);	/* waits for a running handler */
	eventfd_ctx_put(v->trigger);
	v->trigger = NULL;
	v->bound_by = NULL;
}

/* Caller holds u->lock. */
static int lab_uio_msi_set(struct lab_uio_msi *u, struct file *file, u32 vec, int fd)
{
	struct lab_uio_msi_vector *v;
	struct eventfd_ctx *trigger;
	int err;

	if (vec >= u->nvec)
		return -ERANGE;

	v = &u->vec[vec];
	lab_uio_msi_unbind(v);
	if (fd == -1)
		return 0;

	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger))
		return PTR_ERR(trigger);

	v->trigger = trigger;
	err = request_irq(v->irq, lab_uio_msi_vector_irq, 0, v->label, v);
	if (err) {
		v->trigger = NULL;
		eventfd_ctx_put(trigger);
		return err;
	}

	v->bound_by = file;
	return 0;
}

static int lab_uio_msi_open(struct inode *inode, struct file *file)
{
	/* misc_open stored the miscdevice and holds misc_mtx, so remove cannot race us here */
	struct miscdevice *misc = file->private_data;
	struct lab_uio_msi *u = container_of(misc, struct lab_uio_msi, misc);

	kref_get(&u->ref);
	file->private_data = u;
	return 0;
}

static int lab_uio_msi_release(struct inode *inode, struct file *file)
{
	struct lab_uio_msi *u = file->private_data;
	unsigned int i;

	mutex_lock(&u->lock);
	for (i = 0; i < u->nvec; i++)
		if (u->vec[i].bound_by == file)
			lab_uio_msi_unbind(&u->vec[i]);
	mutex_unlock(&u->lock);
	kref_put(&u->ref, lab_uio_msi_free);
	return 0;
}

static long lab_uio_msi_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct lab_uio_msi *u = file->private_data;
	struct uio_msi_irq_set set;
	long err;

	if (cmd != UIO_MSI_IRQ_SET)
		return -EOPNOTSUPP;
	if (copy_from_user(&set, (void __user *)arg, sizeof(set)))
		return -EFAULT;

	mutex_lock(&u->lock);
	err = u->gone ? -ENODEV : lab_uio_msi_set(u, file, set.vec, set.fd);
	mutex_unlock(&u->lock);
	return err;
}

static const struct file_operations lab_uio_msi_fops = {
	.owner = THIS_MODULE,
	.open = lab_uio_msi_open,
	.release = lab_uio_msi_release,
	.unlocked_ioctl = lab_uio_msi_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* BARs holding the MSI-X table or PBA must not be handed to userspace. */
static u32 lab_msix_bars(struct pci_dev *pdev)
{
	u32 table, pba, mask = 0;
	int cap = pdev->msix_cap;

	if (!cap)
		return 0;
	pci_read_config_dword(pdev, cap + PCI_MSIX_TABLE, &table);
	pci_read_config_dword(pdev, cap + PCI_MSIX_PBA, &pba);
	mask |= BIT(table & PCI_MSIX_TABLE_BIR);
	mask |= BIT(pba & PCI_MSIX_PBA_BIR);
	return mask;
}

static void lab_uio_msi_setup_maps(struct lab_uio_msi *u)
{
	struct pci_dev *pdev = u->pdev;
	u32 skip = lab_msix_bars(pdev);
	int bar, m = 0, p = 0;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		resource_size_t start = pci_resource_start(pdev, bar);
		resource_size_t len = pci_resource_len(pdev, bar);
		unsigned long flags = pci_resource_flags(pdev, bar);

		if (!start || !len || (skip & BIT(bar)))
			continue;
		if ((flags & IORESOURCE_MEM) && m < MAX_UIO_MAPS) {
			u->info.mem[m].name = lab_bar_names[bar];
			u->info.mem[m].addr = start;
			u->info.mem[m].size = len;
			u->info.mem[m].memtype = UIO_MEM_PHYS;
			m++;
		} else if ((flags & IORESOURCE_IO) && p < MAX_UIO_PORT_REGIONS) {
			u->info.port[p].name = lab_bar_names[bar];
			u->info.port[p].start = start;
			u->info.port[p].size = len;
			u->info.port[p].porttype = UIO_PORT_X86;
			p++;
		}
	}
}

static int lab_uio_msi_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lab_uio_msi *u;
	unsigned int i;
	int count, err;

	count = pci_msix_vec_count(pdev);
	if (count <= 0) {
		dev_err(&pdev->dev, "no MSI-X capability\n");
		return -ENODEV;
	}

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	kref_init(&u->ref);
	mutex_init(&u->lock);
	u->pdev = pdev;

	err = pci_enable_device(pdev);
	if (err)
		goto err_free;
	err = pci_request_regions(pdev, KBUILD_MODNAME);
	if (err)
		goto err_disable;
	pci_set_master(pdev);	/* MSI-X messages are bus-master writes */

	err = pci_alloc_irq_vectors(pdev, 1, min(count, LAB_UIO_MSI_MAX_VECTORS), PCI_IRQ_MSIX);
	if (err < 0)
		goto err_regions;
	u->nvec = err;
	for (i = 0; i < u->nvec; i++) {
		u->vec[i].owner_dev = u;
		u->vec[i].irq = pci_irq_vector(pdev, i);
		snprintf(u->vec[i].label, sizeof(u->vec[i].label), "uio_msi[%u](%s)", i, pci_name(pdev));
	}

	u->info.name = "uio_msi";
	u->info.version = "1.0";
	u->info.irq = UIO_IRQ_CUSTOM;
	u->info.priv = u;
	lab_uio_msi_setup_maps(u);

	err = uio_register_device(&pdev->dev, &u->info);
	if (err)
		goto err_vectors;

	snprintf(u->misc_name, sizeof(u->misc_name), "uio%d-msi", u->info.uio_dev->minor);
	u->misc.minor = MISC_DYNAMIC_MINOR;
	u->misc.name = u->misc_name;
	u->misc.fops = &lab_uio_msi_fops;
	u->misc.parent = &pdev->dev;
	err = misc_register(&u->misc);
	if (err)
		goto err_uio;

	pci_set_drvdata(pdev, u);
	dev_info(&pdev->dev, "uio%d with %u MSI-X vectors, control node /dev/%s\n",
		 u->info.uio_dev->minor, u->nvec, u->misc_name);
	return 0;

err_uio:
	uio_unregister_device(&u->info);
err_vectors:
	pci_free_irq_vectors(pdev);
err_regions:
	pci_clear_master(pdev);
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(u);
	return err;
}

static void lab_uio_msi_remove(struct pci_dev *pdev)
{
	struct lab_uio_msi *u = pci_get_drvdata(pdev);
	unsigned int i;

	misc_deregister(&u->misc);	/* no new opens after this */
	mutex_lock(&u->lock);
	u->gone = true;			/* open files now get ENODEV */
	for (i = 0; i < u->nvec; i++)
		lab_uio_msi_unbind(&u->vec[i]);
	mutex_unlock(&u->lock);

	uio_unregister_device(&u->info);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);
	kref_put(&u->ref, lab_uio_msi_free);
}

/* No static ids: bind explicitly through driver_override or new_id. */
static struct pci_driver lab_uio_msi_driver = {
	.name = "uio_msi",
	.id_table = NULL,
	.probe = lab_uio_msi_probe,
	.remove = lab_uio_msi_remove,
};

module_pci_driver(lab_uio_msi_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LinuxDevices lab: UIO driver with MSI-X vectors bound to eventfds (uio_msi ABI)");
MODULE_AUTHOR("LinuxDevices");
