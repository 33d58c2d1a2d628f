package org.fcgate.it.support;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Request bodies the tests can rebuild and check: deterministic bytes and their SHA-256. */
public final class TestBodies {

    /** 1 MiB: larger than any socket buffer and than nginx's default client_body_buffer_size. */
    public static final int ONE_MIB = 1024 * 1024;

    private TestBodies() {
    }

    /** {@code size} pseudo-random bytes, the same for the same seed (every byte value occurs, NULs included). */
    public static byte[] deterministic(int size, long seed) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
