#!/bin/bash
# Guest side of boot-smoke: report the crash memory the kernel reserved, and what
# tinykdump makes of it when it is installed. The host checks the values.
echo "TK-CMDLINE $(cat /proc/cmdline)"
echo "TK-UNAME $(uname -r)"
for f in crash_size crash_cma_ranges crash_loaded; do
        for p in /sys/kernel/kexec/$f /sys/kernel/kexec_$f; do
                if [[ -r $p ]]; then
                        echo "TK-SYS $f=$(tr '\n' ' ' <"$p" | sed 's/ *$//')"
                        break
                fi
        done
done
grep -i 'crash kernel' /proc/iomem | sed 's/^ */TK-IOMEM /'
ls /usr/lib/tinykdump/capture/ | sed 's/^/TK-CAPTURE /'
if command -v tinykdump >/dev/null; then
        echo "TK-STATUS-BEGIN"
        tinykdump status 2>&1
        echo "TK-STATUS-END rc=$?"
fi
echo "TK-SYSTEMD $(systemctl is-system-running)"
