package org.fcgate.gateway.path;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * A directory files are served from. Every lookup is confined to it: the candidate is built from already-normalised
 * segments, then {@code toRealPath()} resolves symlinks and the result must still start with the real root unless
 * {@code allowSymlinksOutside} is set.
 */
public final class DocumentRoot {

    /** What a lookup found. */
    public sealed interface Lookup {
        record RegularFile(Path realPath, BasicFileAttributes attributes) implements Lookup { }

        record Directory(Path realPath) implements Lookup { }

        /** Nothing there, something that is neither file nor directory, or unreadable. */
        record Missing() implements Lookup { }

        /** A symlink leads outside the root and that is not allowed. */
        record Outside() implements Lookup { }
    }

    private final Path realRoot;
    private final boolean allowSymlinksOutside;
    private final boolean denyDotfiles;

    private DocumentRoot(Path realRoot, boolean allowSymlinksOutside, boolean denyDotfiles) {
        this.realRoot = realRoot;
        this.allowSymlinksOutside = allowSymlinksOutside;
        this.denyDotfiles = denyDotfiles;
    }

    /** Opens a root; it must be an existing directory. */
    public static DocumentRoot open(Path dir, boolean allowSymlinksOutside, boolean denyDotfiles) throws IOException {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (NoSuchFileException e) {
            throw new IOException("document root " + dir + " does not exist", e);
        }
        if (!Files.isDirectory(real)) {
            throw new IOException("document root " + dir + " is not a directory");
        }
        return new DocumentRoot(real, allowSymlinksOutside, denyDotfiles);
    }

    public Path realRoot() {
        return realRoot;
    }

    /**
     * Whether a request path may be served at all: with {@code denyDotfiles}, any segment starting with '.' is
     * refused ({@code .git}, {@code .env}, {@code .htaccess}), except the {@code .well-known} prefix (RFC 8615).
     */
    public boolean denies(List<String> segments) {
        if (!denyDotfiles) {
            return false;
        }
        for (int i = 0; i < segments.size(); i++) {
            String s = segments.get(i);
            if (s.startsWith(".") && !(i == 0 && s.equals(".well-known"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Looks up the first {@code count} segments of a normalised path. A segment the JVM cannot name as a file
     * ({@code sun.jnu.encoding} not UTF-8, e.g. under {@code LANG=C}, and a non-ASCII segment) is {@link
     * Lookup.Missing}: no file by that name can be opened by this process, so the answer is 404 (logged at startup,
     * {@link PathEncoding}).
     */
    public Lookup lookup(List<String> segments, int count) {
        Path candidate = realRoot;
        try {
            for (int i = 0; i < count; i++) {
                // Segments come from RequestPath: no '/', no NUL, never "." or "..", so resolve() stays a child.
                candidate = candidate.resolve(segments.get(i));
            }
        } catch (InvalidPathException e) {
            return new Lookup.Missing();
        }
        try {
            Path real = candidate.toRealPath();
            if (!allowSymlinksOutside && !real.startsWith(realRoot)) {
                return new Lookup.Outside();
            }
            BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (attrs.isRegularFile()) {
                return new Lookup.RegularFile(real, attrs);
            }
            if (attrs.isDirectory()) {
                return new Lookup.Directory(real);
            }
            return new Lookup.Missing();
        } catch (NoSuchFileException e) {
            return new Lookup.Missing();
        } catch (IOException | SecurityException e) {
            // ENOTDIR (a file used as a directory), EACCES, ELOOP: all "not there" for a client.
            return new Lookup.Missing();
        }
    }

    public Lookup lookup(List<String> segments) {
        return lookup(segments, segments.size());
    }
}
