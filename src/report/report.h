/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* After the crash, the report library: scanning a dump target (scan.h), the journal record of a
 * dump (record.h), the host-side state and the reporting run (state.h), finding and opening the
 * target (target.h), reading the records back (journal.h), the
 * self-test marker (test-marker.h). This header includes them all. */

#include "journal.h"
#include "record.h"
#include "scan.h"
#include "state.h"
#include "target.h"
#include "test-marker.h"
