/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The pager of "tinykdump list|info", as systemd's pager.c does it: only when standard output is
 * a terminal; $SYSTEMD_PAGER, else $PAGER, else less (with $LESS defaulting to "FRSXMK", and
 * $LESSCHARSET to utf-8); "" or "cat" means none. Standard output then writes into the pager;
 * pager_close() ends the output and waits for it. */

#include "macro.h"

/* What the output may use, read before the pager takes standard output over. */
typedef struct Terminal {
        bool tty;        /* standard output is a terminal */
        bool color;      /* and colours are wanted: $NO_COLOR unset, $TERM not "dumb" */
        unsigned columns; /* the width: $COLUMNS, else (on a terminal) TIOCGWINSZ, else 80; else 0 */
} Terminal;

void terminal_get(Terminal *ret);

/* Starts the pager when standard output is a terminal and enabled; no-op otherwise. Failing to
 * start one is not an error: output then goes to the terminal. */
void pager_open(bool enabled);
void pager_close(void);
