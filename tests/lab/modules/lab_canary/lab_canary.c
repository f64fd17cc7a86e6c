// SPDX-License-Identifier: GPL-2.0
/*
 * lab_canary: the lab's own proof that project modules are built out of tree against the
 * guest kernel's headers and load. Creates /sys/kernel/lab_canary/hello (0444), which reads
 * "hello from lab_canary <kernel release>\n", and /sys/kernel/lab_canary/loads, a counter.
 */
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <linux/utsname.h>

static struct kobject *canary_kobj;
static unsigned int reads;

static ssize_t hello_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	reads++;
	return sysfs_emit(buf, "hello from lab_canary %s\n", init_utsname()->release);
}

static ssize_t reads_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", reads);
}

static struct kobj_attribute hello_attr = __ATTR_RO(hello);
static struct kobj_attribute reads_attr = __ATTR_RO(reads);

static struct attribute *canary_attrs[] = {
	&hello_attr.attr,
	&reads_attr.attr,
	NULL,
};

static const struct attribute_group canary_group = {
	.attrs = canary_attrs,
};

static int __init lab_canary_init(void)
{
	int ret;

	canary_kobj = kobject_create_and_add("lab_canary", kernel_kobj);
	if (!canary_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(canary_kobj, &canary_group);
	if (ret) {
		kobject_put(canary_kobj);
		return ret;
	}
	pr_info("lab_canary: loaded\n");
	return 0;
}

static void __exit lab_canary_exit(void)
{
	sysfs_remove_group(canary_kobj, &canary_group);
	kobject_put(canary_kobj);
}

module_init(lab_canary_init);
module_exit(lab_canary_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LinuxDevices lab canary: proves project modules build and load");
MODULE_AUTHOR("LinuxDevices");
