# SPDX-License-Identifier: GPL-2.0
# dist/buildroot as a BR2_EXTERNAL tree: make BR2_EXTERNAL=.../dist/buildroot menuconfig
include $(sort $(wildcard $(BR2_EXTERNAL_DMABUF_AUDIT_PATH)/*/*.mk))
