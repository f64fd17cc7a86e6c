// SPDX-License-Identifier: GPL-2.0
/*
 * mhi_lab: an MHI controller for the LinuxDevices lab. It registers a controller with the real
 * MHI host core (mhi.ko) and emulates the device side in memory: the MMIO register file
 * (MHICTRL/MHISTATUS, doorbell offsets, BHI EXECENV), the command ring (channel start/stop/reset
 * completions), the event rings (state change, EE and transfer completion events written into
 * the host's rings) and the interrupts (three software-triggered IRQ descriptors with the dummy
 * irq chip: vector 0 is the BHI/INTVEC vector, 1 the control event ring, 2 the data event ring).
 * A client driver binds the LOOPBACK channel pair, starts it and loops UL buffers back to DL.
 *
 * Knobs in /sys/kernel/mhi_lab/:
 *   power    (rw) "1" powers up (synchronously, mission mode), "0" powers down; reads 0/1
 *   cycle    (w)  N: N power-down/power-up cycles
 *   send     (w)  queues the written text on the UL channel; it comes back on DL
 *   received (r)  the last DL buffer received (loopback)
 *   intvec   (w)  raises the INTVEC interrupt (mhi_intvec_states)
 *   stats    (r)  counters
 * Module parameter autostart=1 (default) powers up at load.
 *
 * Written for the LinuxDevices project from the MHI register map and ring formats; not derived
 * from any device's firmware.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/kobject.h>
#include <linux/mhi.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

/* MMIO register map (MHI specification offsets) */
#define R_MHIREGLEN	0x00
#define R_MHIVER	0x08
#define R_MHICFG	0x10
#define R_CHDBOFF	0x18
#define R_ERDBOFF	0x20
#define R_BHIOFF	0x28
#define R_BHIEOFF	0x2c
#define R_MHICTRL	0x38
#define R_MHISTATUS	0x48
#define R_CCABAP_L	0x58
#define R_CCABAP_H	0x5c
#define R_ECABAP_L	0x60
#define R_ECABAP_H	0x64
#define R_CRCBAP_L	0x68
#define R_CRCBAP_H	0x6c
#define R_CRDB_L	0x70
#define R_CRDB_H	0x74

#define LAB_BHI		0x100
#define LAB_BHIE	0x200
#define LAB_CHDB	0x400
#define LAB_ERDB	0x800
#define LAB_REGLEN	0x1000

#define BHI_EXECENV_OFF		0x28
#define BHI_SERIALNU_OFF	0x40
#define BHI_OEMPKHASH_OFF(n)	(0x64 + 4 * (n))

#define CTRL_RESET	BIT(1)
#define STATUS_READY	BIT(0)

/* ring element types and completion codes */
#define PKT_RESET_CHAN	0x10
#define PKT_STOP_CHAN	0x11
#define PKT_START_CHAN	0x12
#define PKT_STATE_CHANGE 0x20
#define PKT_CMD_COMPLETION 0x21
#define PKT_TX_EVENT	0x22
#define PKT_EE_EVENT	0x40
#define CC_SUCCESS	0x1
#define CC_EOT		0x2

#define CH_STATE_ENABLED 1
#define CH_STATE_RUNNING 2
#define CH_STATE_STOP	 3

#define LAB_MAX_CHAN	8
#define LAB_UL_CHAN	4
#define LAB_DL_CHAN	5
#define LAB_NR_IRQS	3
#define LAB_BUF		256
#define LAB_DL_BUFS	4

/* the device's view of the host's context structures (packed, 4-byte aligned) */
struct lab_ctx {
	__le32 w0;	/* chcfg / intmod / reserved */
	__le32 w1;	/* chtype / ertype */
	__le32 w2;	/* erindex / msivec */
	__le64 rbase __packed __aligned(4);
	__le64 rlen __packed __aligned(4);
	__le64 rp __packed __aligned(4);
	__le64 wp __packed __aligned(4);
};

struct lab_el {
	__le64 ptr;
	__le32 dw0;
	__le32 dw1;
};

static bool autostart = true;
module_param(autostart, bool, 0444);
MODULE_PARM_DESC(autostart, "power the controller up at load (default 1)");

static struct platform_device *lab_pdev;
static struct mhi_controller *lab_cntrl;
static u32 *lab_regs;
static int lab_irq_base = -1;
static int lab_irqs[LAB_NR_IRQS];
static DEFINE_SPINLOCK(lab_lock);	/* device state */
static DEFINE_MUTEX(lab_power_lock);
static struct workqueue_struct *lab_wq;
static struct work_struct lab_work;
static struct kobject *lab_kobj;
static bool lab_powered;
static DECLARE_WAIT_QUEUE_HEAD(lab_client_wait);

/* pending device work, under lab_lock */
static bool pend_m0, pend_cmd, pend_intvec;
static unsigned long pend_ch;

/* loopback client */
static struct mhi_device *lab_client;
static char lab_received[LAB_BUF];
static size_t lab_received_len;
static void *lab_dl_bufs[LAB_DL_BUFS];
static atomic_t cnt_ul_done, cnt_dl_done, cnt_irqs, cnt_events, cnt_cmds, cnt_cycles;

static inline u32 reg_get(u32 off) { return READ_ONCE(lab_regs[off / 4]); }
static inline void reg_set(u32 off, u32 v) { WRITE_ONCE(lab_regs[off / 4], v); }

static void *host_ptr(u64 dma)
{
	/* the lab guest has no IOMMU: coherent and streaming DMA addresses are physical */
	return phys_to_virt((phys_addr_t)dma);
}

static u64 reg_get64(u32 lo)
{
	return ((u64)reg_get(lo + 4) << 32) | reg_get(lo);
}

static void lab_raise(unsigned int vec)
{
	if (vec >= LAB_NR_IRQS)
		return;
	atomic_inc(&cnt_irqs);
	generic_handle_irq_safe(lab_irqs[vec]);
}

/* writes one element into event ring @er and advances the device's read pointer */
static int lab_post_event(unsigned int er, u64 ptr, u32 dw0, u32 dw1)
{
	struct lab_ctx *ctx;
	struct lab_el *el;
	u64 base, len, rp, next, wp;
	u64 ec = reg_get64(R_ECABAP_L);

	if (!ec)
		return -ENODEV;
	ctx = (struct lab_ctx *)host_ptr(ec) + er;
	base = le64_to_cpu(ctx->rbase);
	len = le64_to_cpu(ctx->rlen);
	rp = le64_to_cpu(ctx->rp);
	wp = le64_to_cpu(ctx->wp);
	if (!base || !len || rp < base || rp >= base + len)
		return -EINVAL;
	next = rp + sizeof(*el);
	if (next >= base + len)
		next = base;
	if (next == wp) {
		pr_warn_ratelimited("mhi_lab: event ring %u full\n", er);
		return -ENOSPC;
	}
	el = host_ptr(rp);
	el->ptr = cpu_to_le64(ptr);
	el->dw0 = cpu_to_le32(dw0);
	el->dw1 = cpu_to_le32(dw1);
	dma_wmb();
	ctx->rp = cpu_to_le64(next);
	atomic_inc(&cnt_events);
	return le32_to_cpu(ctx->w2); /* msivec */
}

static struct lab_ctx *chan_ctx(unsigned int ch)
{
	u64 cc = reg_get64(R_CCABAP_L);

	return cc ? (struct lab_ctx *)host_ptr(cc) + ch : NULL;
}

static void set_chan_state(unsigned int ch, u32 st)
{
	struct lab_ctx *c = chan_ctx(ch);

	if (c)
		c->w0 = cpu_to_le32((le32_to_cpu(c->w0) & ~0xffu) | st);
}

static void lab_do_commands(void)
{
	struct lab_ctx *ctx;
	u64 cr = reg_get64(R_CRCBAP_L), base, len, rp, wp;
	int vec = -1;

	if (!cr)
		return;
	ctx = host_ptr(cr);
	base = le64_to_cpu(ctx->rbase);
	len = le64_to_cpu(ctx->rlen);
	rp = le64_to_cpu(ctx->rp);
	wp = le64_to_cpu(ctx->wp);
	while (rp != wp && rp >= base && rp < base + len) {
		struct lab_el *el = host_ptr(rp);
		u32 dw1 = le32_to_cpu(el->dw1);
		u32 type = (dw1 >> 16) & 0xff, ch = dw1 >> 24;

		atomic_inc(&cnt_cmds);
		if (ch < LAB_MAX_CHAN) {
			if (type == PKT_START_CHAN)
				set_chan_state(ch, CH_STATE_RUNNING);
			else if (type == PKT_STOP_CHAN)
				set_chan_state(ch, CH_STATE_STOP);
			else if (type == PKT_RESET_CHAN)
				set_chan_state(ch, CH_STATE_ENABLED);
		}
		rp += sizeof(*el);
		if (rp >= base + len)
			rp = base;
		ctx->rp = cpu_to_le64(rp);
		vec = lab_post_event(0, (u64)((u8 *)el - (u8 *)host_ptr(base)) + base,
				     CC_SUCCESS << 24, PKT_CMD_COMPLETION << 16);
	}
	if (vec >= 0)
		lab_raise(vec);
}

/* takes the next TRE of channel @ch; returns its bus address or 0 */
static u64 lab_take_tre(unsigned int ch, struct lab_el **out)
{
	struct lab_ctx *c = chan_ctx(ch);
	u64 base, len, rp, wp;

	if (!c || (le32_to_cpu(c->w0) & 0xff) != CH_STATE_RUNNING)
		return 0;
	base = le64_to_cpu(c->rbase);
	len = le64_to_cpu(c->rlen);
	rp = le64_to_cpu(c->rp);
	wp = le64_to_cpu(c->wp);
	if (rp == wp || rp < base || rp >= base + len)
		return 0;
	*out = host_ptr(rp);
	c->rp = cpu_to_le64(rp + sizeof(struct lab_el) >= base + len ? base : rp + sizeof(struct lab_el));
	return rp;
}

static void lab_do_channel(unsigned int ch)
{
	struct lab_el *tre, *dl;
	u64 at, dlat;
	int vec = -1, v;

	if (ch != LAB_UL_CHAN)
		return; /* DL buffers wait for UL data */
	while ((at = lab_take_tre(ch, &tre))) {
		u32 n = le32_to_cpu(tre->dw0) & 0xffff;
		struct lab_ctx *c = chan_ctx(ch);

		v = lab_post_event(le32_to_cpu(c->w2), at, (CC_EOT << 24) | n,
				   (ch << 24) | (PKT_TX_EVENT << 16));
		if (v >= 0)
			vec = v;
		/* loop the payload back into the next DL buffer */
		dlat = lab_take_tre(LAB_DL_CHAN, &dl);
		if (dlat) {
			u32 room = le32_to_cpu(dl->dw0) & 0xffff;
			u32 m = min(n, room);
			struct lab_ctx *d = chan_ctx(LAB_DL_CHAN);

			memcpy(host_ptr(le64_to_cpu(dl->ptr)), host_ptr(le64_to_cpu(tre->ptr)), m);
			v = lab_post_event(le32_to_cpu(d->w2), dlat, (CC_EOT << 24) | m,
					   (LAB_DL_CHAN << 24) | (PKT_TX_EVENT << 16));
			if (v >= 0)
				vec = v;
		}
	}
	if (vec >= 0)
		lab_raise(vec);
}

static void lab_work_fn(struct work_struct *w)
{
	bool m0, cmd, intvec;
	unsigned long ch;
	unsigned long flags;
	unsigned int i;
	int vec;

	spin_lock_irqsave(&lab_lock, flags);
	m0 = pend_m0;
	cmd = pend_cmd;
	intvec = pend_intvec;
	ch = pend_ch;
	pend_m0 = pend_cmd = pend_intvec = false;
	pend_ch = 0;
	spin_unlock_irqrestore(&lab_lock, flags);

	if (intvec)
		lab_raise(0);
	if (m0) {
		/* the device reached M0 and runs its mission mode image */
		lab_post_event(0, 0, MHI_STATE_M0 << 24, PKT_STATE_CHANGE << 16);
		vec = lab_post_event(0, 0, MHI_EE_AMSS << 24, PKT_EE_EVENT << 16);
		if (vec >= 0)
			lab_raise(vec);
	}
	if (cmd)
		lab_do_commands();
	for_each_set_bit(i, &ch, LAB_MAX_CHAN)
		lab_do_channel(i);
}

static void lab_kick(bool *flag, unsigned int ch)
{
	unsigned long flags;

	spin_lock_irqsave(&lab_lock, flags);
	if (flag)
		*flag = true;
	else
		__set_bit(ch, &pend_ch);
	spin_unlock_irqrestore(&lab_lock, flags);
	queue_work(lab_wq, &lab_work);
}

static void lab_set_state(u32 state, bool ready)
{
	reg_set(R_MHISTATUS, (state << 8) | (ready ? STATUS_READY : 0));
}

static int lab_read_reg(struct mhi_controller *c, void __iomem *addr, u32 *out)
{
	unsigned long off = (unsigned long)((u8 __force *)addr - (u8 *)lab_regs);

	if (off >= LAB_REGLEN || (off & 3))
		return -EIO;
	*out = reg_get(off);
	return 0;
}

static void lab_write_reg(struct mhi_controller *c, void __iomem *addr, u32 val)
{
	unsigned long off = (unsigned long)((u8 __force *)addr - (u8 *)lab_regs);

	if (off >= LAB_REGLEN || (off & 3))
		return;
	switch (off) {
	case R_MHICTRL: {
		u32 state = (val >> 8) & 0xff;

		if (val & CTRL_RESET) {
			/* MHI reset: clear the request, back to READY */
			reg_set(R_MHICTRL, val & ~CTRL_RESET & ~0xff00u);
			lab_set_state(MHI_STATE_READY, true);
			reg_set(LAB_BHI + 0x20, 0); /* the device clears BHI_INTVEC */
			lab_kick(&pend_intvec, 0);
			return;
		}
		reg_set(R_MHICTRL, val);
		if (state == MHI_STATE_M0) {
			lab_set_state(MHI_STATE_M0, true);
			lab_kick(&pend_m0, 0);
			lab_kick(&pend_intvec, 0);
		} else if (state == MHI_STATE_M3) {
			lab_set_state(MHI_STATE_M3, true);
			lab_kick(&pend_intvec, 0);
		}
		return;
	}
	case R_MHISTATUS:
	case R_MHIREGLEN:
	case R_CHDBOFF:
	case R_ERDBOFF:
	case R_BHIOFF:
	case R_BHIEOFF:
	case R_MHIVER:
		return; /* read-only */
	case R_CRDB_L:
		reg_set(off, val);
		lab_kick(&pend_cmd, 0);
		return;
	case LAB_BHI + BHI_EXECENV_OFF:
		return;
	}
	reg_set(off, val);
	if (off >= LAB_CHDB && off < LAB_CHDB + 8 * LAB_MAX_CHAN && !(off & 7))
		lab_kick(NULL, (off - LAB_CHDB) / 8);
}

static void lab_status_cb(struct mhi_controller *c, enum mhi_callback cb)
{
	dev_dbg(c->cntrl_dev, "status callback %d\n", cb);
}

static int lab_runtime_get(struct mhi_controller *c) { return 0; }
static void lab_runtime_put(struct mhi_controller *c) { }

static void lab_reset_device(void)
{
	memset(lab_regs, 0, LAB_REGLEN);
	reg_set(R_MHIREGLEN, LAB_REGLEN);
	reg_set(R_MHIVER, 0x01000000);
	reg_set(R_MHICFG, (2 << 16) | LAB_MAX_CHAN);
	reg_set(R_CHDBOFF, LAB_CHDB);
	reg_set(R_ERDBOFF, LAB_ERDB);
	reg_set(R_BHIOFF, LAB_BHI);
	reg_set(R_BHIEOFF, LAB_BHIE);
	lab_set_state(MHI_STATE_READY, true);
	reg_set(LAB_BHI + BHI_EXECENV_OFF, MHI_EE_AMSS);
	reg_set(LAB_BHI + BHI_SERIALNU_OFF, 0x1ab0c0de);
	reg_set(LAB_BHI + BHI_OEMPKHASH_OFF(0), 0x11223344);
	reg_set(LAB_BHI + BHI_OEMPKHASH_OFF(1), 0x55667788);
}

static const struct mhi_channel_config lab_channels[] = {
	{ .name = "LOOPBACK", .num = LAB_UL_CHAN, .num_elements = 32, .event_ring = 1,
	  .dir = DMA_TO_DEVICE, .ee_mask = BIT(MHI_EE_AMSS), .doorbell = MHI_DB_BRST_DISABLE },
	{ .name = "LOOPBACK", .num = LAB_DL_CHAN, .num_elements = 32, .event_ring = 1,
	  .dir = DMA_FROM_DEVICE, .ee_mask = BIT(MHI_EE_AMSS), .doorbell = MHI_DB_BRST_DISABLE },
};

static struct mhi_event_config lab_events[] = {
	{ .num_elements = 64, .irq = 1, .mode = MHI_DB_BRST_DISABLE, .data_type = MHI_ER_CTRL,
	  .priority = 1 },
	{ .num_elements = 64, .irq = 2, .mode = MHI_DB_BRST_DISABLE, .data_type = MHI_ER_DATA,
	  .priority = 1 },
};

static const struct mhi_controller_config lab_config = {
	.max_channels = LAB_MAX_CHAN,
	/* generous: a TCG guest on a loaded host can take seconds per state transition */
	.timeout_ms = 20000,
	.num_channels = ARRAY_SIZE(lab_channels),
	.ch_cfg = lab_channels,
	.num_events = ARRAY_SIZE(lab_events),
	.event_cfg = lab_events,
};

/* ---- loopback client driver ---- */

static void lab_ul_cb(struct mhi_device *d, struct mhi_result *r)
{
	atomic_inc(&cnt_ul_done);
	kfree(r->buf_addr);
}

static void lab_dl_cb(struct mhi_device *d, struct mhi_result *r)
{
	unsigned long flags;

	if (r->transaction_status)
		return; /* channel reset: the buffer is freed by remove */
	atomic_inc(&cnt_dl_done);
	spin_lock_irqsave(&lab_lock, flags);
	lab_received_len = min_t(size_t, r->bytes_xferd, LAB_BUF - 1);
	memcpy(lab_received, r->buf_addr, lab_received_len);
	lab_received[lab_received_len] = 0;
	spin_unlock_irqrestore(&lab_lock, flags);
	mhi_queue_buf(d, DMA_FROM_DEVICE, r->buf_addr, LAB_BUF, MHI_EOT);
}

static int lab_client_probe(struct mhi_device *d, const struct mhi_device_id *id)
{
	int ret, i;

	ret = mhi_prepare_for_transfer(d);
	if (ret)
		return ret;
	for (i = 0; i < LAB_DL_BUFS; i++) {
		if (!lab_dl_bufs[i])
			lab_dl_bufs[i] = kzalloc(LAB_BUF, GFP_KERNEL);
		if (!lab_dl_bufs[i] || mhi_queue_buf(d, DMA_FROM_DEVICE, lab_dl_bufs[i], LAB_BUF, MHI_EOT))
			dev_warn(&d->dev, "could not queue DL buffer %d\n", i);
	}
	WRITE_ONCE(lab_client, d);
	wake_up_all(&lab_client_wait);
	return 0;
}

static void lab_client_remove(struct mhi_device *d)
{
	WRITE_ONCE(lab_client, NULL);
	mhi_unprepare_from_transfer(d);
}

static const struct mhi_device_id lab_client_ids[] = {
	{ .chan = "LOOPBACK" },
	{}
};

static struct mhi_driver lab_client_driver = {
	.id_table = lab_client_ids,
	.probe = lab_client_probe,
	.remove = lab_client_remove,
	.ul_xfer_cb = lab_ul_cb,
	.dl_xfer_cb = lab_dl_cb,
	.driver = { .name = "mhi_lab_loopback" },
};

/* ---- power control ---- */

static int lab_power_up(void)
{
	int ret;

	if (lab_powered)
		return 0;
	lab_reset_device();
	ret = mhi_prepare_for_power_up(lab_cntrl);
	if (ret)
		return ret;
	ret = mhi_sync_power_up(lab_cntrl);
	if (ret) {
		mhi_unprepare_after_power_down(lab_cntrl);
		return ret;
	}
	lab_powered = true;
	/* mission mode is reached before the channel devices probe: wait for the loopback client */
	if (!wait_event_timeout(lab_client_wait, READ_ONCE(lab_client), msecs_to_jiffies(20000)))
		pr_warn("mhi_lab: the LOOPBACK client did not probe\n");
	return 0;
}

static void lab_power_down(void)
{
	if (!lab_powered)
		return;
	mhi_power_down(lab_cntrl, true);
	flush_workqueue(lab_wq);
	mhi_unprepare_after_power_down(lab_cntrl);
	lab_powered = false;
}

static ssize_t power_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", lab_powered);
}

static ssize_t power_store(struct kobject *k, struct kobj_attribute *a, const char *buf, size_t n)
{
	bool on;
	int ret = kstrtobool(buf, &on);

	if (ret)
		return ret;
	mutex_lock(&lab_power_lock);
	if (on) {
		ret = lab_power_up();
	} else {
		lab_power_down();
		ret = 0;
	}
	mutex_unlock(&lab_power_lock);
	return ret ? ret : n;
}

static ssize_t cycle_store(struct kobject *k, struct kobj_attribute *a, const char *buf, size_t n)
{
	unsigned int count, i;
	int ret = kstrtouint(buf, 0, &count);

	if (ret)
		return ret;
	mutex_lock(&lab_power_lock);
	for (i = 0; i < count && !ret; i++) {
		lab_power_down();
		ret = lab_power_up();
		atomic_inc(&cnt_cycles);
	}
	mutex_unlock(&lab_power_lock);
	return ret ? ret : n;
}

static ssize_t send_store(struct kobject *k, struct kobj_attribute *a, const char *buf, size_t n)
{
	struct mhi_device *d;
	void *copy;
	int ret;

	if (!n || n > LAB_BUF)
		return -EINVAL;
	mutex_lock(&lab_power_lock);
	d = READ_ONCE(lab_client);
	if (!d) {
		mutex_unlock(&lab_power_lock);
		return -ENODEV;
	}
	copy = kmemdup(buf, n, GFP_KERNEL);
	ret = copy ? mhi_queue_buf(d, DMA_TO_DEVICE, copy, n, MHI_EOT) : -ENOMEM;
	if (ret) {
		kfree(copy);
	}
	mutex_unlock(&lab_power_lock);
	return ret ? ret : n;
}

static ssize_t received_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	unsigned long flags;
	ssize_t r;

	spin_lock_irqsave(&lab_lock, flags);
	r = sysfs_emit(buf, "%s", lab_received);
	spin_unlock_irqrestore(&lab_lock, flags);
	return r;
}

static ssize_t intvec_store(struct kobject *k, struct kobj_attribute *a, const char *buf, size_t n)
{
	lab_kick(&pend_intvec, 0);
	flush_workqueue(lab_wq);
	return n;
}

static ssize_t stats_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "irqs %d\nevents %d\ncommands %d\nul_done %d\ndl_done %d\ncycles %d\nmhistatus 0x%x\n",
			  atomic_read(&cnt_irqs), atomic_read(&cnt_events), atomic_read(&cnt_cmds),
			  atomic_read(&cnt_ul_done), atomic_read(&cnt_dl_done), atomic_read(&cnt_cycles),
			  reg_get(R_MHISTATUS));
}

static ssize_t name_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%s\n", lab_cntrl && lab_cntrl->mhi_dev ? dev_name(&lab_cntrl->mhi_dev->dev) : "");
}

static struct kobj_attribute power_attr = __ATTR_RW(power);
static struct kobj_attribute cycle_attr = __ATTR_WO(cycle);
static struct kobj_attribute send_attr = __ATTR_WO(send);
static struct kobj_attribute received_attr = __ATTR_RO(received);
static struct kobj_attribute intvec_attr = __ATTR_WO(intvec);
static struct kobj_attribute stats_attr = __ATTR_RO(stats);
static struct kobj_attribute name_attr = __ATTR_RO(name);

static struct attribute *lab_attrs[] = {
	&power_attr.attr, &cycle_attr.attr, &send_attr.attr, &received_attr.attr,
	&intvec_attr.attr, &stats_attr.attr, &name_attr.attr, NULL,
};

static const struct attribute_group lab_group = { .attrs = lab_attrs };

static int lab_setup_irqs(void)
{
	int i;

	/*
	 * No owner module: request_irq() pins a descriptor's owner, and the MHI core keeps these
	 * requested until mhi_unregister_controller() in our exit path, which could then never run.
	 */
	lab_irq_base = __irq_alloc_descs(-1, 1, LAB_NR_IRQS, NUMA_NO_NODE, NULL, NULL);
	if (lab_irq_base < 0)
		return lab_irq_base;
	for (i = 0; i < LAB_NR_IRQS; i++) {
		lab_irqs[i] = lab_irq_base + i;
		irq_set_chip_and_handler(lab_irqs[i], &dummy_irq_chip, handle_simple_irq);
		irq_clear_status_flags(lab_irqs[i], IRQ_NOREQUEST | IRQ_NOPROBE | IRQ_NOAUTOEN);
	}
	return 0;
}

static void lab_free_irqs(void)
{
	int i;

	if (lab_irq_base < 0)
		return;
	for (i = 0; i < LAB_NR_IRQS; i++)
		irq_set_chip_and_handler(lab_irqs[i], NULL, NULL);
	irq_free_descs(lab_irq_base, LAB_NR_IRQS);
	lab_irq_base = -1;
}

static int __init mhi_lab_init(void)
{
	int ret;

	lab_regs = kzalloc(LAB_REGLEN, GFP_KERNEL);
	if (!lab_regs)
		return -ENOMEM;
	lab_reset_device();
	lab_wq = alloc_ordered_workqueue("mhi_lab_dev", 0);
	if (!lab_wq) {
		ret = -ENOMEM;
		goto err_regs;
	}
	INIT_WORK(&lab_work, lab_work_fn);

	ret = lab_setup_irqs();
	if (ret)
		goto err_wq;

	lab_pdev = platform_device_register_simple("mhi_lab", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(lab_pdev)) {
		ret = PTR_ERR(lab_pdev);
		goto err_irqs;
	}
	ret = dma_coerce_mask_and_coherent(&lab_pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_pdev;

	lab_cntrl = mhi_alloc_controller();
	if (!lab_cntrl) {
		ret = -ENOMEM;
		goto err_pdev;
	}
	lab_cntrl->cntrl_dev = &lab_pdev->dev;
	lab_cntrl->regs = (void __iomem __force *)lab_regs;
	lab_cntrl->reg_len = LAB_REGLEN;
	lab_cntrl->iova_start = 0;
	lab_cntrl->iova_stop = DMA_BIT_MASK(64);
	lab_cntrl->irq = lab_irqs;
	lab_cntrl->nr_irqs = LAB_NR_IRQS;
	lab_cntrl->serial_number = 0x1ab0c0de;
	lab_cntrl->read_reg = lab_read_reg;
	lab_cntrl->write_reg = lab_write_reg;
	lab_cntrl->status_cb = lab_status_cb;
	lab_cntrl->runtime_get = lab_runtime_get;
	lab_cntrl->runtime_put = lab_runtime_put;
#ifdef MHI_LAB_HAS_CNTRL_NAME
	lab_cntrl->name = "mhi_lab";	/* named in the mhi_host trace events (their kernels have it) */
#endif

	ret = mhi_register_controller(lab_cntrl, &lab_config);
	if (ret)
		goto err_cntrl;

	ret = mhi_driver_register(&lab_client_driver);
	if (ret)
		goto err_unreg;

	lab_kobj = kobject_create_and_add("mhi_lab", kernel_kobj);
	if (!lab_kobj) {
		ret = -ENOMEM;
		goto err_drv;
	}
	ret = sysfs_create_group(lab_kobj, &lab_group);
	if (ret)
		goto err_kobj;

	if (autostart) {
		mutex_lock(&lab_power_lock);
		ret = lab_power_up();
		mutex_unlock(&lab_power_lock);
		if (ret) {
			pr_err("mhi_lab: power up failed: %d\n", ret);
			goto err_group;
		}
	}
	pr_info("mhi_lab: controller %s registered (irqs %d-%d)%s\n",
		dev_name(&lab_cntrl->mhi_dev->dev), lab_irq_base, lab_irq_base + LAB_NR_IRQS - 1,
		lab_powered ? ", in mission mode" : "");
	return 0;

err_group:
	sysfs_remove_group(lab_kobj, &lab_group);
err_kobj:
	kobject_put(lab_kobj);
err_drv:
	mhi_driver_unregister(&lab_client_driver);
err_unreg:
	mhi_unregister_controller(lab_cntrl);
err_cntrl:
	mhi_free_controller(lab_cntrl);
err_pdev:
	platform_device_unregister(lab_pdev);
err_irqs:
	lab_free_irqs();
err_wq:
	destroy_workqueue(lab_wq);
err_regs:
	kfree(lab_regs);
	return ret;
}

static void __exit mhi_lab_exit(void)
{
	int i;

	sysfs_remove_group(lab_kobj, &lab_group);
	kobject_put(lab_kobj);
	mutex_lock(&lab_power_lock);
	lab_power_down();
	mutex_unlock(&lab_power_lock);
	mhi_driver_unregister(&lab_client_driver);
	mhi_unregister_controller(lab_cntrl);
	mhi_free_controller(lab_cntrl);
	platform_device_unregister(lab_pdev);
	destroy_workqueue(lab_wq);
	lab_free_irqs();
	for (i = 0; i < LAB_DL_BUFS; i++)
		kfree(lab_dl_bufs[i]);
	kfree(lab_regs);
}

module_init(mhi_lab_init);
module_exit(mhi_lab_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LinuxDevices lab: an emulated MHI device driving the real MHI host core");
MODULE_AUTHOR("LinuxDevices");
MODULE_SOFTDEP("pre: mhi");
