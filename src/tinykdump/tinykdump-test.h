/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* tinykdump test: crash the machine on purpose to prove the whole chain (kdumpctl test's role).
 * See tinykdump(8). Takes the TinykdumpOptions as its userdata. */

int verb_test(int argc, char *argv[], void *userdata);
