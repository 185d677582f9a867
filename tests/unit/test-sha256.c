/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SHA-256 against the FIPS 180-2 appendix B examples and an incremental split at every offset. */
#include "sha256.h"
#include "tests.h"

TEST(fips_examples) {
        char hex[SHA256_HEX_SIZE];
        static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

        ASSERT_STREQ(sha256_hex("abc", 3, hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        ASSERT_STREQ(sha256_hex("", 0, hex), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        ASSERT_STREQ(sha256_hex(two_blocks, strlen(two_blocks), hex),
                     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        return TEST_PASS;
}

TEST(million_a_incremental) {
        static const char want[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
        uint8_t d[SHA256_DIGEST_SIZE];
        char chunk[1000], hex[SHA256_HEX_SIZE];
        Sha256 s;

        memset(chunk, 'a', sizeof(chunk));
        sha256_init(&s);
        /* Odd chunk sizes cross the 64-byte blocks at every offset. */
        for (size_t done = 0, k = 1; done < 1000000; done += k, k = k % 97 + 1)
                sha256_update(&s, chunk, MIN(k, 1000000 - done));
        sha256_final(&s, d);
        for (size_t i = 0; i < sizeof(d); i++)
                snprintf(hex + 2 * i, 3, "%02x", d[i]);
        ASSERT_STREQ(hex, want);
        return TEST_PASS;
}

TEST(padding_boundaries) {
        /* 55, 56 and 64 bytes: the length fits, just misses, and a whole block. Values from sha256sum. */
        char buf[64], hex[SHA256_HEX_SIZE];

        memset(buf, 'x', sizeof(buf));
        ASSERT_STREQ(sha256_hex(buf, 55, hex), "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
        ASSERT_STREQ(sha256_hex(buf, 56, hex), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
        ASSERT_STREQ(sha256_hex(buf, 64, hex), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
        return TEST_PASS;
}
