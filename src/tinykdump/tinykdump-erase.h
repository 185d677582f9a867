/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `tinykdump load` and `status` for erasing secrets: resolve the rules of erase.d for the running
 * kernel into the plan that goes into the capture overlay, remember it for `status`, show it. */

#include "json.h"
#include "loader.h"
#include "tkconf.h"

/* Where load keeps a copy of the plan it put into the overlay (tmpfs, 0600: it holds kernel
 * addresses). */
#define ERASE_PLAN_STATE_NAME "erase.plan"
#define ERASE_PLAN_STATE_PATH LOAD_STATE_DIR "/" ERASE_PLAN_STATE_NAME

/* The plan text for the overlay, or *ret_text = NULL when [Erase] Enable=no. Every rule that did
 * not resolve is logged as a warning by name and reason; with Unresolved=refuse that is an error
 * (-ENOPKG). A kernel without BTF or readable kallsyms makes every rule unresolved. */
int tinykdump_erase_plan(const TkConfig *c, const char *root, char **ret_text, size_t *ret_size);

/* Record (text non-NULL) or forget (NULL) the armed plan for status. */
int tinykdump_erase_record(const char *root, const char *text, size_t size);

/* The "erase" part of status: enabled, rules with state and reason. */
void tinykdump_erase_status_json(JsonWriter *w, const char *root, bool armed);
void tinykdump_erase_status_print(const char *root, bool armed);
