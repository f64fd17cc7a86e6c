// SPDX-License-Identifier: GPL-2.0
/*
 * rpmsg_loop: a software "remote processor" for the LinuxDevices lab.
 *
 * Registers a platform device "rpmsg-loop" and, below it, the rpmsg devices a real transport
 * (virtio, glink, mtk) would: a name-service device (address 53), a control device bound to
 * rpmsg_ctrl (so /dev/rpmsg_ctrlN appears) and one channel per announced service. The remote
 * side is simulated by a work queue:
 *
 *  - every message sent to any remote address D by a local endpoint A is answered with one
 *    message from D to A whose bytes are the sent bytes XOR xor_key (default 0x20: letters swap
 *    case), so a test can tell the remote's reply from a local loopback;
 *  - messages longer than mtu (default 496, as virtio) fail with -EMSGSIZE;
 *  - at most tx_slots messages are in flight; send() then waits up to 15 s, trysend() returns
 *    -ENOMEM (rpmsg_char turns that into EAGAIN); poll reports EPOLLOUT while a slot is free;
 *  - at load the remote announces the services listed in `announce` through the real rpmsg_ns
 *    driver (remote address 0x800 + index);
 *  - writing 1 to the `paused` parameter stops the remote (messages stay queued, so the tx slots
 *    fill up); writing 0 resumes it;
 *  - endpoints whose name starts with "flow" get a set_flow_control op: the remote mirrors the
 *    requested state back as its own outgoing flow state (flow_cb), which rpmsg_char reports as
 *    EPOLLPRI. All other endpoints have no flow control (EOPNOTSUPP), like virtio.
 *
 * Written for LinuxDevices from the rpmsg device/endpoint ops contract in rpmsg_internal.h.
 */
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/poll.h>
#include <linux/rpmsg.h>
#include <linux/rpmsg/byteorder.h>
#include <linux/rpmsg/ns.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "rpmsg_internal.h"

static int mtu = 496;
module_param(mtu, int, 0444);
MODULE_PARM_DESC(mtu, "largest payload in bytes (default 496, as virtio)");

static int xor_key = 0x20;
module_param(xor_key, int, 0444);
MODULE_PARM_DESC(xor_key, "the remote replies with every byte XOR this value (default 0x20)");

static int tx_slots = 64;
module_param(tx_slots, int, 0444);
MODULE_PARM_DESC(tx_slots, "messages in flight before send blocks (default 64)");

static struct workqueue_struct *loop_wq;
static struct work_struct loop_work;
static bool paused;

/* Writing 1 stops the remote (messages stay queued, tx slots fill up); writing 0 resumes it. */
static int paused_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret && !READ_ONCE(paused) && loop_wq)
		queue_work(loop_wq, &loop_work);
	return ret;
}

static const struct kernel_param_ops paused_ops = {
	.set = paused_set,
	.get = param_get_bool,
};
module_param_cb(paused, &paused_ops, &paused, 0644);
MODULE_PARM_DESC(paused, "1: the remote stops answering (queued messages wait), 0: it resumes");

static char *announce = "rpmsg-raw,rpmsg-tty";
module_param(announce, charp, 0444);
MODULE_PARM_DESC(announce, "comma-separated services the remote announces at load");

#define LOOP_FIRST_ADDR 1024
#define LOOP_REMOTE_BASE 0x800
#define LOOP_SEND_TIMEOUT (15 * HZ)

enum loop_kind { LOOP_MSG, LOOP_FLOW };

struct loop_item {
	struct list_head node;
	enum loop_kind kind;
	u32 src;	/* remote address the message comes from */
	u32 dst;	/* local endpoint address it goes to */
	bool flow;
	bool counted;	/* holds a tx slot */
	int len;
	u8 data[];
};

static struct platform_device *loop_pdev;
static DEFINE_IDR(loop_epts);
static DEFINE_MUTEX(loop_epts_lock);
static LIST_HEAD(loop_queue);
static DEFINE_SPINLOCK(loop_queue_lock);
static int loop_in_flight;
static DECLARE_WAIT_QUEUE_HEAD(loop_tx_wait);
static struct rpmsg_device *loop_ns_rpdev;
static struct rpmsg_device *loop_ctrl_rpdev;

static const struct rpmsg_device_ops loop_device_ops;
static const struct rpmsg_endpoint_ops loop_ept_ops;
static const struct rpmsg_endpoint_ops loop_flow_ept_ops;

/* ---------------------------------------------------------------- endpoints */

static void loop_ept_free(struct kref *kref)
{
	kfree(container_of(kref, struct rpmsg_endpoint, refcount));
}

static struct rpmsg_endpoint *loop_create_ept(struct rpmsg_device *rpdev, rpmsg_rx_cb_t cb,
					      void *priv, struct rpmsg_channel_info chinfo)
{
	struct rpmsg_endpoint *ept;
	int start, end, id;

	ept = kzalloc(sizeof(*ept), GFP_KERNEL);
	if (!ept)
		return NULL;
	kref_init(&ept->refcount);
	mutex_init(&ept->cb_lock);
	ept->rpdev = rpdev;
	ept->cb = cb;
	ept->priv = priv;
	ept->ops = strncmp(chinfo.name, "flow", 4) ? &loop_ept_ops : &loop_flow_ept_ops;

	if (chinfo.src == RPMSG_ADDR_ANY) {
		start = LOOP_FIRST_ADDR;
		end = 0;
	} else {
		start = chinfo.src;
		end = chinfo.src + 1;
	}
	mutex_lock(&loop_epts_lock);
	id = idr_alloc(&loop_epts, ept, start, end, GFP_KERNEL);
	mutex_unlock(&loop_epts_lock);
	if (id < 0) {
		dev_err(&rpdev->dev, "address 0x%x unavailable: %d\n", chinfo.src, id);
		kref_put(&ept->refcount, loop_ept_free);
		return NULL;
	}
	ept->addr = id;
	return ept;
}

static void loop_destroy_ept(struct rpmsg_endpoint *ept)
{
	mutex_lock(&loop_epts_lock);
	idr_remove(&loop_epts, ept->addr);
	mutex_unlock(&loop_epts_lock);

	/* no callback may run once destroy returns */
	mutex_lock(&ept->cb_lock);
	ept->cb = NULL;
#ifdef LOOP_HAS_FLOW_CONTROL
	ept->flow_cb = NULL;
#endif
	mutex_unlock(&ept->cb_lock);

	kref_put(&ept->refcount, loop_ept_free);
}

/* ---------------------------------------------------------------- the remote side */

static void loop_work_fn(struct work_struct *work)
{
	struct loop_item *item;
	struct rpmsg_endpoint *ept;

	for (;;) {
		if (READ_ONCE(paused))
			return;
		spin_lock(&loop_queue_lock);
		item = list_first_entry_or_null(&loop_queue, struct loop_item, node);
		if (item)
			list_del(&item->node);
		spin_unlock(&loop_queue_lock);
		if (!item)
			return;

		/* release the tx slot first, so a woken poller already sees EPOLLOUT */
		if (item->counted) {
			spin_lock(&loop_queue_lock);
			loop_in_flight--;
			spin_unlock(&loop_queue_lock);
			wake_up_interruptible_all(&loop_tx_wait);
		}

		mutex_lock(&loop_epts_lock);
		ept = idr_find(&loop_epts, item->dst);
		if (ept)
			kref_get(&ept->refcount);
		mutex_unlock(&loop_epts_lock);

		if (ept) {
			mutex_lock(&ept->cb_lock);
			if (item->kind == LOOP_MSG && ept->cb)
				ept->cb(ept->rpdev, item->data, item->len, ept->priv, item->src);
#ifdef LOOP_HAS_FLOW_CONTROL
			else if (item->kind == LOOP_FLOW && ept->flow_cb)
				ept->flow_cb(ept->rpdev, ept->priv, item->flow);
#endif
			mutex_unlock(&ept->cb_lock);
			kref_put(&ept->refcount, loop_ept_free);
		}

		kfree(item);
	}
}

static void loop_queue_item(struct loop_item *item)
{
	spin_lock(&loop_queue_lock);
	list_add_tail(&item->node, &loop_queue);
	spin_unlock(&loop_queue_lock);
	queue_work(loop_wq, &loop_work);
}

static bool loop_take_slot(void)
{
	bool ok;

	spin_lock(&loop_queue_lock);
	ok = loop_in_flight < tx_slots;
	if (ok)
		loop_in_flight++;
	spin_unlock(&loop_queue_lock);
	return ok;
}

/*
 * The endpoint ops changed across kernels: the data pointer became const and the *_offchannel
 * ops were removed (7.x), flow control arrived late (6.4). Kbuild probes the rpmsg_internal.h
 * that prepare.sh extracted for this kernel and defines LOOP_* accordingly.
 */
#ifdef LOOP_CONST_SEND
#define LOOP_DATA const void
#else
#define LOOP_DATA void
#endif

static int loop_send_offchannel_common(struct rpmsg_endpoint *ept, u32 src, u32 dst,
				       LOOP_DATA *data, int len, bool wait)
{
	struct loop_item *item;
	const u8 *in = data;
	int i;
	long ret;

	if (len < 0)
		return -EINVAL;
	if (len > mtu)
		return -EMSGSIZE;
	if (src == RPMSG_ADDR_ANY || dst == RPMSG_ADDR_ANY)
		return -EINVAL;

	item = kzalloc(struct_size(item, data, len), GFP_KERNEL);
	if (!item)
		return -ENOMEM;
	item->kind = LOOP_MSG;
	item->src = dst;	/* the reply comes from the address we wrote to */
	item->dst = src;	/* ... and goes back to the sender */
	item->len = len;
	for (i = 0; i < len; i++)
		item->data[i] = in[i] ^ (u8)xor_key;

	if (!loop_take_slot()) {
		if (!wait) {
			kfree(item);
			return -ENOMEM;
		}
		ret = wait_event_interruptible_timeout(loop_tx_wait, loop_take_slot(),
						       LOOP_SEND_TIMEOUT);
		if (ret <= 0) {
			kfree(item);
			return ret == 0 ? -ETIMEDOUT : (int)ret;
		}
	}
	item->counted = true;
	loop_queue_item(item);
	return 0;
}

static int loop_send(struct rpmsg_endpoint *ept, LOOP_DATA *data, int len)
{
	return loop_send_offchannel_common(ept, ept->addr, ept->rpdev->dst, data, len, true);
}

static int loop_sendto(struct rpmsg_endpoint *ept, LOOP_DATA *data, int len, u32 dst)
{
	return loop_send_offchannel_common(ept, ept->addr, dst, data, len, true);
}

#ifdef LOOP_HAS_OFFCHANNEL
static int loop_send_offchannel(struct rpmsg_endpoint *ept, u32 src, u32 dst, void *data, int len)
{
	return loop_send_offchannel_common(ept, src, dst, data, len, true);
}
#endif

static int loop_trysend(struct rpmsg_endpoint *ept, LOOP_DATA *data, int len)
{
	return loop_send_offchannel_common(ept, ept->addr, ept->rpdev->dst, data, len, false);
}

static int loop_trysendto(struct rpmsg_endpoint *ept, LOOP_DATA *data, int len, u32 dst)
{
	return loop_send_offchannel_common(ept, ept->addr, dst, data, len, false);
}

#ifdef LOOP_HAS_OFFCHANNEL
static int loop_trysend_offchannel(struct rpmsg_endpoint *ept, u32 src, u32 dst, void *data,
				   int len)
{
	return loop_send_offchannel_common(ept, src, dst, data, len, false);
}
#endif

/*
 * EPOLLOUT when a tx slot is free. Deliberately no poll_wait() on a queue of this module: a poll
 * or epoll entry on it would outlive the module (the file belongs to rpmsg_char and stays open
 * after rmmod), and removing the entry later would touch freed module memory. Pollers are woken
 * through rpmsg_char's own queue when a reply arrives, and a slot is released before each reply
 * is delivered, so a sender waiting for its own replies sees EPOLLOUT in time.
 */
static __poll_t loop_poll(struct rpmsg_endpoint *ept, struct file *filp, poll_table *wait)
{
	__poll_t mask = 0;

	spin_lock(&loop_queue_lock);
	if (loop_in_flight < tx_slots)
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock(&loop_queue_lock);
	return mask;
}

static ssize_t loop_get_mtu(struct rpmsg_endpoint *ept)
{
	return mtu;
}

#ifdef LOOP_HAS_FLOW_CONTROL
static int loop_set_flow_control(struct rpmsg_endpoint *ept, bool pause, u32 dst)
{
	struct loop_item *item;

	/* The simulated remote honours the request and mirrors it as its own flow state. */
	item = kzalloc(sizeof(*item), GFP_KERNEL);
	if (!item)
		return -ENOMEM;
	item->kind = LOOP_FLOW;
	item->src = dst;
	item->dst = ept->addr;
	item->flow = pause;
	loop_queue_item(item);
	return 0;
}
#endif

static const struct rpmsg_endpoint_ops loop_ept_ops = {
	.destroy_ept = loop_destroy_ept,
	.send = loop_send,
	.sendto = loop_sendto,
	.trysend = loop_trysend,
	.trysendto = loop_trysendto,
#ifdef LOOP_HAS_OFFCHANNEL
	.send_offchannel = loop_send_offchannel,
	.trysend_offchannel = loop_trysend_offchannel,
#endif
	.poll = loop_poll,
	.get_mtu = loop_get_mtu,
};

static const struct rpmsg_endpoint_ops loop_flow_ept_ops = {
	.destroy_ept = loop_destroy_ept,
	.send = loop_send,
	.sendto = loop_sendto,
	.trysend = loop_trysend,
	.trysendto = loop_trysendto,
#ifdef LOOP_HAS_OFFCHANNEL
	.send_offchannel = loop_send_offchannel,
	.trysend_offchannel = loop_trysend_offchannel,
#endif
	.poll = loop_poll,
#ifdef LOOP_HAS_FLOW_CONTROL
	.set_flow_control = loop_set_flow_control,
#endif
	.get_mtu = loop_get_mtu,
};

/* ---------------------------------------------------------------- rpmsg devices */

static void loop_rpdev_release(struct device *dev)
{
	kfree(to_rpmsg_device(dev));
}

static struct rpmsg_device *loop_rpdev_alloc(const char *name, u32 src, u32 dst)
{
	struct rpmsg_device *rpdev = kzalloc(sizeof(*rpdev), GFP_KERNEL);

	if (!rpdev)
		return NULL;
	if (name)
		strscpy_pad(rpdev->id.name, name, RPMSG_NAME_SIZE);
	rpdev->src = src;
	rpdev->dst = dst;
	rpdev->little_endian = true;
	rpdev->ops = &loop_device_ops;
	rpdev->dev.parent = &loop_pdev->dev;
	rpdev->dev.release = loop_rpdev_release;
	return rpdev;
}

static struct rpmsg_device *loop_create_channel(struct rpmsg_device *rpdev,
						struct rpmsg_channel_info *chinfo)
{
	struct rpmsg_device *ch;
	struct device *tmp;

	tmp = rpmsg_find_device(&loop_pdev->dev, chinfo);
	if (tmp) {
		put_device(tmp);
		dev_err(&loop_pdev->dev, "channel %s:%x:%x already exists\n", chinfo->name,
			chinfo->src, chinfo->dst);
		return NULL;
	}

	ch = loop_rpdev_alloc(chinfo->name, chinfo->src, chinfo->dst);
	if (!ch)
		return NULL;
	ch->announce = chinfo->src != RPMSG_ADDR_ANY;
	/* rpmsg_register_device drops the reference (and frees ch) on failure */
	if (rpmsg_register_device(ch))
		return NULL;
	return ch;
}

static int loop_release_channel(struct rpmsg_device *rpdev, struct rpmsg_channel_info *chinfo)
{
	return rpmsg_unregister_device(&loop_pdev->dev, chinfo);
}

static const struct rpmsg_device_ops loop_device_ops = {
	.create_channel = loop_create_channel,
	.release_channel = loop_release_channel,
	.create_ept = loop_create_ept,
};

/* The remote announces a service through the name service, as firmware would. */
static int loop_announce(const char *name, u32 addr)
{
	struct loop_item *item;
	struct rpmsg_ns_msg *msg;

	item = kzalloc(struct_size(item, data, sizeof(*msg)), GFP_KERNEL);
	if (!item)
		return -ENOMEM;
	item->kind = LOOP_MSG;
	item->src = RPMSG_NS_ADDR;
	item->dst = RPMSG_NS_ADDR;
	item->len = sizeof(*msg);
	msg = (struct rpmsg_ns_msg *)item->data;
	strscpy_pad(msg->name, name, sizeof(msg->name));
	msg->addr = cpu_to_rpmsg32(loop_ns_rpdev, addr);
	msg->flags = cpu_to_rpmsg32(loop_ns_rpdev, RPMSG_NS_CREATE);
	loop_queue_item(item);
	return 0;
}

static int loop_unregister_child(struct device *dev, void *data)
{
	device_unregister(dev);
	return 0;
}

static int __init rpmsg_loop_init(void)
{
	char *list, *cur, *name;
	u32 addr = LOOP_REMOTE_BASE;
	int ret;

	if (mtu < 1 || tx_slots < 1)
		return -EINVAL;

	loop_wq = alloc_ordered_workqueue("rpmsg_loop", 0);
	if (!loop_wq)
		return -ENOMEM;
	INIT_WORK(&loop_work, loop_work_fn);

	loop_pdev = platform_device_register_simple("rpmsg-loop", -1, NULL, 0);
	if (IS_ERR(loop_pdev)) {
		ret = PTR_ERR(loop_pdev);
		goto err_wq;
	}

	loop_ns_rpdev = loop_rpdev_alloc(NULL, RPMSG_NS_ADDR, RPMSG_NS_ADDR);
	if (!loop_ns_rpdev) {
		ret = -ENOMEM;
		goto err_pdev;
	}
	ret = rpmsg_ns_register_device(loop_ns_rpdev);
	if (ret)
		goto err_pdev;

	loop_ctrl_rpdev = loop_rpdev_alloc(NULL, RPMSG_ADDR_ANY, RPMSG_ADDR_ANY);
	if (!loop_ctrl_rpdev) {
		ret = -ENOMEM;
		goto err_children;
	}
	ret = rpmsg_ctrldev_register_device(loop_ctrl_rpdev);
	if (ret)
		goto err_children;

	list = kstrdup(announce ? announce : "", GFP_KERNEL);
	if (!list) {
		ret = -ENOMEM;
		goto err_children;
	}
	cur = list;
	while ((name = strsep(&cur, ",")) != NULL) {
		name = strim(name);
		if (!*name)
			continue;
		ret = loop_announce(name, addr++);
		if (ret) {
			kfree(list);
			goto err_children;
		}
	}
	kfree(list);

	dev_info(&loop_pdev->dev, "remote up: mtu %d, xor 0x%02x, %d tx slots\n", mtu,
		 xor_key & 0xff, tx_slots);
	return 0;

err_children:
	flush_workqueue(loop_wq);
	device_for_each_child_reverse(&loop_pdev->dev, NULL, loop_unregister_child);
err_pdev:
	platform_device_unregister(loop_pdev);
err_wq:
	destroy_workqueue(loop_wq);
	loop_wq = NULL;
	return ret;
}

static void __exit rpmsg_loop_exit(void)
{
	struct loop_item *item, *tmp;

	flush_workqueue(loop_wq);
	/* channels first, then the control device (destroys its endpoints), then the ns device */
	device_for_each_child_reverse(&loop_pdev->dev, NULL, loop_unregister_child);
	flush_workqueue(loop_wq);
	destroy_workqueue(loop_wq);
	loop_wq = NULL;
	list_for_each_entry_safe(item, tmp, &loop_queue, node) {
		list_del(&item->node);
		kfree(item);
	}
	platform_device_unregister(loop_pdev);
	idr_destroy(&loop_epts);
}

module_init(rpmsg_loop_init);
module_exit(rpmsg_loop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LinuxDevices lab: software remote processor for the rpmsg core (echo with XOR)");
MODULE_AUTHOR("LinuxDevices");
