/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `tinykdump load` (and --dry-run), and what `status` shows about loading: a shrunk reservation,
 * a failed reload. */

#include "json.h"
#include "loader.h"

int verb_load(int argc, char *argv[], void *userdata);

/* status: the shrink record and the last failed reload, as lines and as JSON members. */
void tinykdump_load_status_print(const char *root, const LoadState *st, bool have_state);
void tinykdump_load_status_json(JsonWriter *w, const char *root, const LoadState *st, bool have_state);
/* status: does the configured capture image have what the target needs (load's check)? */
void tinykdump_load_status_image_print(const TkConfig *c, const char *device, bool present);
void tinykdump_load_status_image_json(JsonWriter *w, const TkConfig *c, const char *device, bool present);
