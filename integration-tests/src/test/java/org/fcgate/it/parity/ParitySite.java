package org.fcgate.it.parity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The document root both fronts serve: {@code dump.php} (prints what PHP saw as JSON) at {@code /}, {@code /sub/},
 * {@code /ünï/} (UTF-8 on disk) and {@code /stock/} (nginx without the httpoxy line), and {@code big.php}
 * ({@code ?mib=N} MiB of known bytes). The scripts are test resources under {@code parity/}.
 */
final class ParitySite {

    static final List<String> DUMP_DIRS = List.of("", "sub", "ünï", "stock");

    private ParitySite() {
    }

    /** Creates {@code dir/docroot} with the scripts; returns its real path (what DOCUMENT_ROOT will say). */
    static Path create(Path dir) {
        try {
            Path root = Files.createDirectories(dir.resolve("docroot"));
            for (String sub : DUMP_DIRS) {
                Path d = Files.createDirectories(root.resolve(sub));
                Files.write(d.resolve("dump.php"), resource("dump.php"));
            }
            Files.write(root.resolve("big.php"), resource("big.php"));
            return root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ParitySite.class.getResourceAsStream("/parity/" + name)) {
            if (in == null) {
                throw new IOException("test resource /parity/" + name + " is missing");
            }
            return in.readAllBytes();
        }
    }

    /** The sha256 of what {@code big.php?mib=N} writes, computed the same way. */
    static String bigSha256(int mib) {
        try {
            MessageDigest body = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < mib; i++) {
                byte[] block = MessageDigest.getInstance("SHA-256")
                        .digest(("block" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                for (int r = 0; r < 32768; r++) {
                    body.update(block);
                }
            }
            return HexFormat.of().formatHex(body.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
