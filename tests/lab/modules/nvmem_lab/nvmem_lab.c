// SPDX-License-Identifier: GPL-2.0
/*
 * nvmem_lab: RAM-backed nvmem providers with declared cells, so the LinuxDevices tests can
 * compare their own decoding of the raw `nvmem` file with the kernel's cell files.
 *
 * One platform device "nvmem_lab" bound to the platform driver of the same name registers:
 *   nvmem_lab_rw    256 bytes, writable, EEPROM, byte and bit cells (typed: MAC, u32, string)
 *   nvmem_lab_ro     64 bytes, read_only (force_ro=1 at start), OTP
 *   nvmem_lab_root   64 bytes, root_only (raw file 0600), Battery backed
 *   nvmem_lab_word   64 bytes, word_size 4 and stride 4, FRAM
 * Contents: xorshift32 bytes (seed 0x9E3779B9 + device index, low byte of each state),
 * then the typed cells of nvmem_lab_rw overwritten with known values (see fill_rw()).
 * On kernels with a device tree (CONFIG_OF), a second platform driver "nvmem_lab_of" binds the
 * nodes of tests/lab/dt/nvmem-lab.dtsi and registers one 256-byte RAM provider per node with no
 * cells of its own: "nvmem_lab_of_legacy" (compatible linuxdevices,nvmem-lab-legacy) sets
 * add_legacy_fixed_of_cells, "nvmem_lab_of_plain" (linuxdevices,nvmem-lab-plain) does not; both
 * get the fixed-layout cells of their nvmem-layout child from the core.
 * /sys/module/nvmem_lab/parameters/layout lists every declared cell, one per line:
 *   <device> <name> <offset> <bytes> <bit_offset> <nbits>
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nvmem-consumer.h>	/* struct nvmem_cell_info lived here before 6.3 */
#include <linux/nvmem-provider.h>
#include <linux/platform_device.h>
#include <linux/string.h>
#include <linux/version.h>
#include <linux/mod_devicetable.h>
#if IS_ENABLED(CONFIG_OF)
#include <linux/of.h>
#endif

#define LAYOUT_MAX 3072

static char layout[LAYOUT_MAX];
module_param_string(layout, layout, sizeof(layout), 0444);
MODULE_PARM_DESC(layout, "declared cells: device name offset bytes bit_offset nbits");

struct lab_nvmem {
	const char *name;
	enum nvmem_type type;
	bool read_only;
	bool root_only;
	int word_size;
	int stride;
	unsigned int size;
	const struct nvmem_cell_info *cells;
	int ncells;
	u8 data[256];
};

/* A byte cell: offset and length. */
#define BYTES(n, off, len) { .name = (n), .offset = (off), .bytes = (len) }
/* A bit cell: the kernel derives bytes from bit_offset + nbits. */
#define BITS(n, off, bit, nb) { .name = (n), .offset = (off), .bit_offset = (bit), .nbits = (nb) }

static const struct nvmem_cell_info rw_cells[] = {
	BITS("flag-7-8", 0x10, 7, 2),      /* bits 7..8: crosses the byte boundary */
	BITS("field12", 0x12, 3, 12),      /* a 12-bit field at bit 3 */
	BITS("bit0", 0x15, 0, 1),
	BITS("high-nibble", 0x16, 4, 4),
	BITS("wide27", 0x18, 5, 27),        /* 4 bytes */
	BITS("odd17", 0x1d, 6, 17),         /* 3 bytes */
	BITS("whole16", 0x20, 0, 16),
	BITS("span7", 0x23, 1, 7),
	BITS("long60", 0x24, 2, 60),        /* 8 bytes */
	BITS("far-bit11", 0x30, 11, 5),     /* bit offset beyond the first byte */
	BYTES("bytes3", 0x34, 3),
	BYTES("mac-address", 0x40, 6),
	BYTES("board-id", 0x48, 4),         /* u32 little-endian 0x12345678 */
	BYTES("revision", 0x4c, 2),         /* u16 big-endian 0x0102 */
	BYTES("serial-number", 0x50, 16),   /* "LD-SN-000042", NUL-padded */
	BYTES("last-byte", 0xff, 1),
};

static const struct nvmem_cell_info ro_cells[] = {
	BYTES("ro-word", 0x00, 4),
	BITS("ro-bits", 0x05, 3, 9),
};

static const struct nvmem_cell_info root_cells[] = {
	BYTES("root-secret", 0x08, 8),
	BITS("root-bits", 0x11, 7, 3),
};

static const struct nvmem_cell_info word_cells[] = {
	BYTES("w-first", 0x00, 4),
	BYTES("w-pair", 0x08, 8),
	BITS("w-bits", 0x10, 6, 10),
};

static struct lab_nvmem devices[] = {
	{ .name = "nvmem_lab_rw", .type = NVMEM_TYPE_EEPROM, .size = 256,
	  .cells = rw_cells, .ncells = ARRAY_SIZE(rw_cells) },
	{ .name = "nvmem_lab_ro", .type = NVMEM_TYPE_OTP, .read_only = true, .size = 64,
	  .cells = ro_cells, .ncells = ARRAY_SIZE(ro_cells) },
	{ .name = "nvmem_lab_root", .type = NVMEM_TYPE_BATTERY_BACKED, .root_only = true, .size = 64,
	  .cells = root_cells, .ncells = ARRAY_SIZE(root_cells) },
	{ .name = "nvmem_lab_word", .type = NVMEM_TYPE_FRAM, .word_size = 4, .stride = 4, .size = 64,
	  .cells = word_cells, .ncells = ARRAY_SIZE(word_cells) },
};

static int lab_read(void *priv, unsigned int offset, void *val, size_t bytes)
{
	struct lab_nvmem *d = priv;

	if (offset >= d->size || bytes > d->size - offset)
		return -EINVAL;
	memcpy(val, d->data + offset, bytes);
	return 0;
}

static int lab_write(void *priv, unsigned int offset, void *val, size_t bytes)
{
	struct lab_nvmem *d = priv;

	if (offset >= d->size || bytes > d->size - offset)
		return -EINVAL;
	memcpy(d->data + offset, val, bytes);
	return 0;
}

static void fill_pattern(struct lab_nvmem *d, u32 seed)
{
	u32 x = seed;
	unsigned int i;

	for (i = 0; i < d->size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		d->data[i] = x & 0xff;
	}
}

static void fill_rw(struct lab_nvmem *d)
{
	static const u8 mac[6] = { 0x02, 0x4c, 0x44, 0x65, 0x76, 0x01 };
	static const char serial[16] = "LD-SN-000042";

	memcpy(d->data + 0x40, mac, sizeof(mac));
	d->data[0x48] = 0x78;
	d->data[0x49] = 0x56;
	d->data[0x4a] = 0x34;
	d->data[0x4b] = 0x12;
	d->data[0x4c] = 0x01;
	d->data[0x4d] = 0x02;
	memcpy(d->data + 0x50, serial, sizeof(serial));
}

static void append_layout(const struct lab_nvmem *d)
{
	size_t used = strlen(layout);
	int i;

	for (i = 0; i < d->ncells; i++) {
		const struct nvmem_cell_info *c = &d->cells[i];
		unsigned int bytes = c->nbits ? DIV_ROUND_UP(c->bit_offset + c->nbits, 8) : c->bytes;

		used += scnprintf(layout + used, sizeof(layout) - used, "%s %s %u %u %u %u\n",
				  d->name, c->name, c->offset, bytes, c->bit_offset, c->nbits);
	}
}

static int lab_probe(struct platform_device *pdev)
{
	int i;

	layout[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(devices); i++) {
		struct lab_nvmem *d = &devices[i];
		struct nvmem_config cfg = {
			.dev = &pdev->dev,
			.name = d->name,
			.id = NVMEM_DEVID_NONE,
			.owner = THIS_MODULE,
			.cells = d->cells,
			.ncells = d->ncells,
			.type = d->type,
			.read_only = d->read_only,
			.root_only = d->root_only,
			.word_size = d->word_size,
			.stride = d->stride,
			.size = d->size,
			.reg_read = lab_read,
			.reg_write = lab_write,
			.priv = d,
		};
		struct nvmem_device *nvmem;

		fill_pattern(d, 0x9E3779B9u + i);
		if (i == 0)
			fill_rw(d);
		nvmem = devm_nvmem_register(&pdev->dev, &cfg);
		if (IS_ERR(nvmem))
			return dev_err_probe(&pdev->dev, PTR_ERR(nvmem), "registering %s\n", d->name);
		append_layout(d);
	}
	return 0;
}

static struct platform_driver lab_driver = {
	.probe = lab_probe,
	.driver = { .name = "nvmem_lab" },
};

#if IS_ENABLED(CONFIG_OF)
struct lab_of_nvmem {
	unsigned int size;
	u8 data[256];
};

static int lab_of_read(void *priv, unsigned int offset, void *val, size_t bytes)
{
	struct lab_of_nvmem *d = priv;

	if (offset >= d->size || bytes > d->size - offset)
		return -EINVAL;
	memcpy(val, d->data + offset, bytes);
	return 0;
}

static int lab_of_write(void *priv, unsigned int offset, void *val, size_t bytes)
{
	struct lab_of_nvmem *d = priv;

	if (offset >= d->size || bytes > d->size - offset)
		return -EINVAL;
	memcpy(d->data + offset, val, bytes);
	return 0;
}

static int lab_of_probe(struct platform_device *pdev)
{
	bool legacy = of_device_is_compatible(pdev->dev.of_node, "linuxdevices,nvmem-lab-legacy");
	struct nvmem_config cfg = { 0 };
	struct lab_of_nvmem *d;
	struct nvmem_device *nvmem;
	u32 x = 0x9E3779B9u + (legacy ? 10 : 11);
	unsigned int i;

	d = devm_kzalloc(&pdev->dev, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->size = sizeof(d->data);
	for (i = 0; i < d->size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		d->data[i] = x & 0xff;
	}

	cfg.dev = &pdev->dev;
	cfg.name = legacy ? "nvmem_lab_of_legacy" : "nvmem_lab_of_plain";
	cfg.id = NVMEM_DEVID_NONE;
	cfg.owner = THIS_MODULE;
	cfg.type = NVMEM_TYPE_EEPROM;
	cfg.word_size = 1;
	cfg.stride = 1;
	cfg.size = d->size;
	cfg.reg_read = lab_of_read;
	cfg.reg_write = lab_of_write;
	cfg.priv = d;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	cfg.add_legacy_fixed_of_cells = legacy;
#endif
	nvmem = devm_nvmem_register(&pdev->dev, &cfg);
	if (IS_ERR(nvmem))
		return dev_err_probe(&pdev->dev, PTR_ERR(nvmem), "registering %s\n", cfg.name);
	return 0;
}

static const struct of_device_id lab_of_match[] = {
	{ .compatible = "linuxdevices,nvmem-lab-legacy" },
	{ .compatible = "linuxdevices,nvmem-lab-plain" },
	{ }
};
MODULE_DEVICE_TABLE(of, lab_of_match);

static struct platform_driver lab_of_driver = {
	.probe = lab_of_probe,
	.driver = { .name = "nvmem_lab_of", .of_match_table = lab_of_match },
};
#endif

static struct platform_device *lab_pdev;

static int __init nvmem_lab_init(void)
{
	int ret = platform_driver_register(&lab_driver);

	if (ret)
		return ret;
	lab_pdev = platform_device_register_simple("nvmem_lab", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(lab_pdev)) {
		platform_driver_unregister(&lab_driver);
		return PTR_ERR(lab_pdev);
	}
#if IS_ENABLED(CONFIG_OF)
	ret = platform_driver_register(&lab_of_driver);
	if (ret) {
		platform_device_unregister(lab_pdev);
		platform_driver_unregister(&lab_driver);
		return ret;
	}
#endif
	return 0;
}

static void __exit nvmem_lab_exit(void)
{
#if IS_ENABLED(CONFIG_OF)
	platform_driver_unregister(&lab_of_driver);
#endif
	platform_device_unregister(lab_pdev);
	platform_driver_unregister(&lab_driver);
}

module_init(nvmem_lab_init);
module_exit(nvmem_lab_exit);
MODULE_DESCRIPTION("RAM-backed nvmem providers with declared cells for the LinuxDevices lab");
MODULE_LICENSE("GPL");
