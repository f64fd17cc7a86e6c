// SPDX-License-Identifier: GPL-2.0
/*
 * rproc_lab - the lab's remote processor, registered with the real remoteproc core.
 *
 * A platform device "rproc-lab" whose rproc ("lab-remote") is started and stopped by the core
 * (sysfs state/firmware, rproc_boot/rproc_shutdown). Its firmware is a file loaded by the core
 * through request_firmware (/lib/firmware/NAME):
 *
 *   "RPLAB1\0\0" | u32 table size (LE) | resource table | program text (NUL-terminated)
 *
 * The resource table is handed to the core (parse_fw), which handles it for real: a
 * fw_rsc_vdev entry makes the core allocate the vrings and register a virtio rpmsg device, which
 * the upstream virtio_rpmsg_bus drives. The program text is the remote's behaviour, e.g.
 * "services=rpmsg-raw,lab-echo xor=32 base=0x400": on start the remote announces each service
 * through the rpmsg name service (remote addresses base, base+1, ...) and answers every message
 * with its bytes XOR the key. The remote side runs here, on a workqueue: it reads the split vrings
 * the core allocated (the device side of virtio), fills Linux's receive buffers and signals used
 * buffers with rproc_vq_interrupt(), like a coprocessor's mailbox interrupt would.
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/remoteproc.h>
#include <linux/firmware.h>
#include <linux/workqueue.h>
#include <linux/virtio_ring.h>
#include <linux/virtio.h>
#include <linux/rpmsg/ns.h>
#include <linux/slab.h>
#include <linux/io.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>	/* moved to linux/unaligned.h in 6.12 */
#endif
#include <linux/dma-mapping.h>
#include "remoteproc_internal.h"

#define LAB_MAGIC "RPLAB1\0\0"
#define LAB_MAX_SERVICES 8
#define LAB_NS_ADDR 53
#define MAX_RPMSG_BUF_SIZE_LAB 512

struct lab_hdr {
	__le32 src;
	__le32 dst;
	__le32 reserved;
	__le16 len;
	__le16 flags;
	u8 data[];
} __packed;

struct lab_remote {
	struct rproc *rproc;
	struct workqueue_struct *wq;
	struct work_struct work;
	struct mutex lock;		/* remote state vs. start/stop */
	bool running;
	bool announced;
	u16 last_avail[2];
	/* the loaded "program" */
	u8 xor_key;
	u32 base;
	int nservices;
	char services[LAB_MAX_SERVICES][RPMSG_NAME_SIZE];
	/* what the next start runs (set by load) */
	char program[256];
};

static struct platform_device *lab_pdev;

static int lab_sanity_check(struct rproc *rproc, const struct firmware *fw)
{
	u32 tsz;

	if (fw->size < 12 || memcmp(fw->data, LAB_MAGIC, 8))
		return -EINVAL;
	tsz = get_unaligned_le32(fw->data + 8);
	if (tsz < sizeof(struct resource_table) || tsz > fw->size - 12)
		return -EINVAL;
	return 0;
}

static int lab_parse_fw(struct rproc *rproc, const struct firmware *fw)
{
	u32 tsz = get_unaligned_le32(fw->data + 8);

	/* like rproc_elf_load_rsc_table(): the core owns and frees cached_table */
	rproc->cached_table = kmemdup(fw->data + 12, tsz, GFP_KERNEL);
	if (!rproc->cached_table)
		return -ENOMEM;
	rproc->table_ptr = rproc->cached_table;
	rproc->table_sz = tsz;
	return 0;
}

static int lab_load(struct rproc *rproc, const struct firmware *fw)
{
	struct lab_remote *lr = rproc->priv;
	u32 tsz = get_unaligned_le32(fw->data + 8);
	size_t n = fw->size - 12 - tsz;

	n = min(n, sizeof(lr->program) - 1);
	mutex_lock(&lr->lock);
	memcpy(lr->program, fw->data + 12 + tsz, n);
	lr->program[n] = 0;
	mutex_unlock(&lr->lock);
	return 0;
}

static void lab_parse_program(struct lab_remote *lr)
{
	char *p = lr->program, *tok;
	char buf[sizeof(lr->program)];

	lr->xor_key = 0x20;
	lr->base = 0x400;
	lr->nservices = 0;
	strscpy(buf, p, sizeof(buf));
	p = buf;
	while ((tok = strsep(&p, " \n\t")) != NULL) {
		if (!strncmp(tok, "xor=", 4)) {
			u8 v;

			if (!kstrtou8(tok + 4, 0, &v))
				lr->xor_key = v;
		} else if (!strncmp(tok, "base=", 5)) {
			u32 v;

			if (!kstrtou32(tok + 5, 0, &v))
				lr->base = v;
		} else if (!strncmp(tok, "services=", 9)) {
			char *s = tok + 9, *name;

			while ((name = strsep(&s, ",")) != NULL && lr->nservices < LAB_MAX_SERVICES)
				if (*name)
					strscpy(lr->services[lr->nservices++], name, RPMSG_NAME_SIZE);
		}
	}
}

static int lab_start(struct rproc *rproc)
{
	struct lab_remote *lr = rproc->priv;

	mutex_lock(&lr->lock);
	lab_parse_program(lr);
	lr->last_avail[0] = lr->last_avail[1] = 0;
	lr->announced = false;
	lr->running = true;
	mutex_unlock(&lr->lock);
	dev_info(&rproc->dev, "lab remote started: %d services, xor 0x%02x\n", lr->nservices, lr->xor_key);
	return 0;
}

static int lab_stop(struct rproc *rproc)
{
	struct lab_remote *lr = rproc->priv;

	mutex_lock(&lr->lock);
	lr->running = false;
	mutex_unlock(&lr->lock);
	flush_workqueue(lr->wq);
	return 0;
}

static void lab_kick(struct rproc *rproc, int vqid)
{
	struct lab_remote *lr = rproc->priv;

	queue_work(lr->wq, &lr->work);
}

/* The device side of a legacy (native-endian) split virtqueue. */
struct lab_vq {
	struct vring vr;
	struct rproc_vring *rv;
	u16 *last;
};

static bool lab_vq_get(struct lab_vq *q, u16 *head, void **buf, u32 *len)
{
	u16 avail = READ_ONCE(q->vr.avail->idx);
	struct vring_desc *d;

	if (*q->last == avail)
		return false;
	virt_rmb();
	*head = q->vr.avail->ring[*q->last % q->vr.num];
	if (*head >= q->vr.num)
		return false;
	d = &q->vr.desc[*head];
	*buf = phys_to_virt(d->addr);
	*len = d->len;
	(*q->last)++;
	return true;
}

static void lab_vq_put(struct lab_vq *q, u16 head, u32 len)
{
	u16 idx = q->vr.used->idx;

	q->vr.used->ring[idx % q->vr.num].id = head;
	q->vr.used->ring[idx % q->vr.num].len = len;
	virt_wmb();
	WRITE_ONCE(q->vr.used->idx, idx + 1);
}

/* Put one message into a receive buffer Linux posted; false if none is posted now. */
static bool lab_send(struct lab_vq *rx, u32 src, u32 dst, const void *data, u16 len)
{
	struct lab_hdr *h;
	void *buf;
	u32 cap;
	u16 head;

	if (!lab_vq_get(rx, &head, &buf, &cap))
		return false;
	if (cap < sizeof(*h) + len)
		len = cap - sizeof(*h);
	h = buf;
	h->src = cpu_to_le32(src);
	h->dst = cpu_to_le32(dst);
	h->reserved = 0;
	h->len = cpu_to_le16(len);
	h->flags = 0;
	memcpy(h->data, data, len);
	lab_vq_put(rx, head, sizeof(*h) + len);
	return true;
}

static void lab_work(struct work_struct *work)
{
	struct lab_remote *lr = container_of(work, struct lab_remote, work);
	struct rproc *rproc = lr->rproc;
	struct rproc_vdev *rvdev;
	struct lab_vq rx, tx;
	bool rx_used = false, tx_used = false;
	u8 reply[MAX_RPMSG_BUF_SIZE_LAB];

	mutex_lock(&lr->lock);
	rvdev = list_first_entry_or_null(&rproc->rvdevs, struct rproc_vdev, node);
	if (!lr->running || !rvdev || !rvdev->vring[0].vq || !rvdev->vring[1].vq)
		goto out;
	/* vring 0: Linux receives (we fill), vring 1: Linux sends (we consume) */
	/* the split rings the core carved out for this vdev (the shared memory a coprocessor would see) */
	rx.vr = *virtqueue_get_vring(rvdev->vring[0].vq);
	tx.vr = *virtqueue_get_vring(rvdev->vring[1].vq);
	rx.rv = &rvdev->vring[0];
	tx.rv = &rvdev->vring[1];
	rx.last = &lr->last_avail[0];
	tx.last = &lr->last_avail[1];

	if (!lr->announced) {
		int i;

		/* Linux posts its receive buffers before the first kick */
		if (READ_ONCE(rx.vr.avail->idx) == lr->last_avail[0])
			goto out;
		for (i = 0; i < lr->nservices; i++) {
			struct rpmsg_ns_msg ns = {};

			strscpy(ns.name, lr->services[i], sizeof(ns.name));
			ns.addr = cpu_to_le32(lr->base + i);
			ns.flags = cpu_to_le32(RPMSG_NS_CREATE);
			if (!lab_send(&rx, lr->base + i, LAB_NS_ADDR, &ns, sizeof(ns)))
				break;
			rx_used = true;
		}
		lr->announced = true;
	}

	for (;;) {
		struct lab_hdr *h;
		void *buf;
		u32 cap, len, i;
		u16 head, save = lr->last_avail[1];

		/* answer only while a receive buffer is free; otherwise wait for Linux's next kick */
		if (READ_ONCE(rx.vr.avail->idx) == lr->last_avail[0])
			break;
		if (!lab_vq_get(&tx, &head, &buf, &cap))
			break;
		h = buf;
		len = le16_to_cpu(h->len);
		if (cap < sizeof(*h) || len > cap - sizeof(*h)) {
			lab_vq_put(&tx, head, 0);
			tx_used = true;
			continue;
		}
		if (le32_to_cpu(h->dst) != LAB_NS_ADDR) {
			for (i = 0; i < len; i++)
				reply[i] = h->data[i] ^ lr->xor_key;
			if (!lab_send(&rx, le32_to_cpu(h->dst), le32_to_cpu(h->src), reply, len)) {
				lr->last_avail[1] = save;
				break;
			}
			rx_used = true;
		}
		lab_vq_put(&tx, head, cap);
		tx_used = true;
	}
	/* the "mailbox interrupts": the core finds the virtqueue by notify id */
	if (tx_used)
		rproc_vq_interrupt(rproc, tx.rv->notifyid);
	if (rx_used)
		rproc_vq_interrupt(rproc, rx.rv->notifyid);
out:
	mutex_unlock(&lr->lock);
}

static const struct rproc_ops lab_ops = {
	.start = lab_start,
	.stop = lab_stop,
	.kick = lab_kick,
	.sanity_check = lab_sanity_check,
	.parse_fw = lab_parse_fw,
	.load = lab_load,
};

static char *firmware = "rproc-lab.fw";
module_param(firmware, charp, 0444);
MODULE_PARM_DESC(firmware, "initial firmware name (the rproc is not booted at load)");

static int lab_probe(struct platform_device *pdev)
{
	struct lab_remote *lr;
	struct rproc *rproc;
	int ret;

	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	rproc = devm_rproc_alloc(&pdev->dev, "lab-remote", &lab_ops, firmware, sizeof(*lr));
	if (!rproc)
		return -ENOMEM;
	rproc->auto_boot = false;
	lr = rproc->priv;
	lr->rproc = rproc;
	mutex_init(&lr->lock);
	INIT_WORK(&lr->work, lab_work);
	lr->wq = alloc_ordered_workqueue("rproc_lab", 0);
	if (!lr->wq)
		return -ENOMEM;
	platform_set_drvdata(pdev, rproc);
	ret = rproc_add(rproc);
	if (ret) {
		destroy_workqueue(lr->wq);
		return ret;
	}
	return 0;
}

static void lab_remove(struct platform_device *pdev)
{
	struct rproc *rproc = platform_get_drvdata(pdev);
	struct lab_remote *lr = rproc->priv;

	rproc_del(rproc);	/* shuts the remote down if running */
	destroy_workqueue(lr->wq);
}

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
/* platform_driver.remove returned int until 6.11 */
static int lab_remove_int(struct platform_device *pdev)
{
	lab_remove(pdev);
	return 0;
}
#define LAB_REMOVE lab_remove_int
#else
#define LAB_REMOVE lab_remove
#endif

static struct platform_driver lab_driver = {
	.probe = lab_probe,
	.remove = LAB_REMOVE,
	.driver = { .name = "rproc-lab" },
};

static int __init lab_init(void)
{
	int ret = platform_driver_register(&lab_driver);

	if (ret)
		return ret;
	lab_pdev = platform_device_register_simple("rproc-lab", -1, NULL, 0);
	if (IS_ERR(lab_pdev)) {
		platform_driver_unregister(&lab_driver);
		return PTR_ERR(lab_pdev);
	}
	return 0;
}

static void __exit lab_exit(void)
{
	platform_device_unregister(lab_pdev);
	platform_driver_unregister(&lab_driver);
}

module_init(lab_init);
module_exit(lab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LinuxDevices lab: a remote processor on the real remoteproc core with virtio rpmsg");
