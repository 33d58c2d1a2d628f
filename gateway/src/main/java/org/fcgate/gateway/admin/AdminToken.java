package org.fcgate.gateway.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The secret the admin control endpoints require as {@code Authorization: Bearer TOKEN}. Only its SHA-256 digest is
 * kept; a presented token is hashed and the digests compared with {@link MessageDigest#isEqual} (constant time), so
 * neither the content nor the length of the secret leaks through response timing.
 */
public final class AdminToken {

    /** Shorter secrets are refused: a token is meant to be generated, e.g. {@code openssl rand -hex 32}. */
    public static final int MIN_LENGTH = 16;

    private final byte[] digest;

    private AdminToken(byte[] digest) {
        this.digest = digest;
    }

    /** The token is the file's content without surrounding whitespace (a trailing newline is usual). */
    public static AdminToken readFile(Path file) throws IOException {
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("admin token in " + file + " must be at least " + MIN_LENGTH
                    + " characters");
        }
        return of(token);
    }

    public static AdminToken of(String token) {
        return new AdminToken(sha256(token));
    }

    /** Whether {@code presented} is the token; constant time whatever it holds. */
    boolean matches(String presented) {
        return MessageDigest.isEqual(digest, sha256(presented));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "AdminToken[redacted]";
    }
}
