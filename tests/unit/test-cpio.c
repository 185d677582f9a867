/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cpio.h"
#include "tests.h"

TEST(initrd_padding) {
        ASSERT_EQ(cpio_initrd_padding(0), 0);
        ASSERT_EQ(cpio_initrd_padding(1), 3);
        ASSERT_EQ(cpio_initrd_padding(2), 2);
        ASSERT_EQ(cpio_initrd_padding(3), 1);
        ASSERT_EQ(cpio_initrd_padding(4), 0);
        ASSERT_EQ(cpio_initrd_padding(UINT64_MAX), 1);
        return TEST_PASS;
}
