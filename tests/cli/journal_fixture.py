# SPDX-License-Identifier: LGPL-2.1-or-later
# Journal files holding tinykdump's dump records, for the cli tests: the records are written in
# the journal export format and turned into a journal file by the real systemd-journal-remote, as
# a collector would store them.
import os
import subprocess

REMOTE = "/lib/systemd/systemd-journal-remote"
SAVED, FAILED = "a262e8bb7fa24dc7974d2dac06d7ac69", "dd228633ff2548c89f53bf8035513c60"
T0 = 1772359200000000  # 2026-03-01 10:00:00 UTC


def available():
    """Why journal files cannot be written here, or None."""
    return None if os.access(REMOTE, os.X_OK) else f"{REMOTE} is not installed"


def record(message_id, fields, realtime, monotonic):
    """One export-format entry: MESSAGE_ID and TINYKDUMP_* fields (a dict, KEY without the prefix)."""
    lines = [f"__REALTIME_TIMESTAMP={realtime}", f"__MONOTONIC_TIMESTAMP={monotonic}",
             "_BOOT_ID=fedcba9876543210fedcba9876543210", "_UID=0", f"MESSAGE_ID={message_id}", "PRIORITY=2",
             f"MESSAGE=Kernel {fields.get('KERNEL_RELEASE', '?')} crashed."]
    lines += [f"TINYKDUMP_{k}={v}" for k, v in fields.items()]
    return "\n".join(lines) + "\n\n"


def write(path, entries):
    """Writes the journal file path from export-format entries (strings from record())."""
    export = path + ".export"
    with open(export, "w") as f:
        f.write("".join(entries))
    subprocess.run([REMOTE, "-o", path, export], check=True, capture_output=True)
    os.unlink(export)
