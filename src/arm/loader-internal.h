/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by loader.c and loader-reload.c only. */

#include "loader.h"

/* Replace *ret_message (when not NULL) with the formatted sentence; returns error. */
int loader_message(char **ret_message, int error, const char *format, ...) _printf_(3, 4);

/* Read the files i->image_path, or i->kernel_path and i->initrd_path, below root and check the kernel. */
int capture_image_read(const char *root, CaptureImage *i, char **ret_message);

/* Stage kernel and initrd + padding + overlay in memfds for kexec_file_load(2). */
int stage_images(const CaptureImage *i, const void *overlay, size_t overlay_size, int *ret_kernel_fd,
                 int *ret_initrd_fd, char **ret_message);

/* Open (creating it) LOAD_STATE_DIR below root. */
int state_dir_open(const char *root);
