package org.fcgate.gateway.path;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.fcgate.gateway.config.GatewayDefaults;

/**
 * A directory files are served from. Every lookup is confined to it: the candidate is built from already-normalised
 * segments, then {@code toRealPath()} resolves symlinks and the result must still start with the real root unless
 * {@code allowSymlinksOutside} is set.
 *
 * <p>Open file cache (nginx's {@code open_file_cache}, on by default here, {@link #withOpenFileCache}): a found
 * regular file or directory is remembered for {@code valid} (default 1 s), so a hot path is not resolved again
 * (realpath(3) costs a readlink per segment) within that time. Each hit on a regular file larger than {@code
 * trustedFileBytes} is checked with one stat of its real path (no symlink followed at the last segment): a different
 * file (device, inode), size or mtime drops the entry and the path is resolved again, so a large file replaced,
 * changed or removed is seen at once. A smaller file's hit is not checked: its bytes are served from memory (the
 * static responder's copy, keyed by the same attributes) for at most {@code valid} after the resolution, a snapshot
 * of a file that was inside the root when it was taken. Missing paths and paths leading outside are never cached: a
 * new file is served at once and a refusal is always decided afresh. At most {@code maxEntries} paths are held
 * ({@link LruCache}): when full, the least recently used go; a path not used within {@code valid} is dropped (it would
 * be resolved again anyway).
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

    /** Default validity of a cached resolution. */
    public static final Duration DEFAULT_CACHE_VALID = GatewayDefaults.OPEN_FILE_CACHE_VALID;
    /** Default bound on cached paths per root. */
    public static final int DEFAULT_CACHE_MAX = GatewayDefaults.OPEN_FILE_CACHE_MAX;
    /** Files up to this size are trusted for the validity without a stat (their bytes are cached in memory). */
    public static final long DEFAULT_TRUSTED_FILE_BYTES = 16 * 1024;

    private record Cached(Lookup lookup, long expiresNanos) { }

    private final Path realRoot;
    private final boolean allowSymlinksOutside;
    private final boolean denyDotfiles;
    private final long validNanos;
    private final long trustedFileBytes;
    /** Relative path ("a/b/c") → lookup; null when the cache is off. */
    private final LruCache<String, Cached> cache;

    private DocumentRoot(Path realRoot, boolean allowSymlinksOutside, boolean denyDotfiles, Duration valid,
                         int maxEntries, long trustedFileBytes) {
        this.realRoot = realRoot;
        this.allowSymlinksOutside = allowSymlinksOutside;
        this.denyDotfiles = denyDotfiles;
        this.validNanos = valid.toNanos();
        this.trustedFileBytes = trustedFileBytes;
        this.cache = validNanos > 0 && maxEntries > 0
                ? new LruCache<>(maxEntries, validNanos, System.nanoTime()) : null;
    }

    /**
     * The same root with its own open file cache: {@code valid} zero (or {@code maxEntries} zero) turns it off, every
     * lookup then resolves and stats the path.
     */
    public DocumentRoot withOpenFileCache(Duration valid, int maxEntries) {
        if (valid.isNegative() || maxEntries < 0) {
            throw new IllegalArgumentException("open file cache: valid " + valid + " and max " + maxEntries
                    + " must not be negative");
        }
        return new DocumentRoot(realRoot, allowSymlinksOutside, denyDotfiles, valid, maxEntries, trustedFileBytes);
    }

    /** Whether lookups are cached. */
    public boolean caching() {
        return cache != null;
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
        return new DocumentRoot(real, allowSymlinksOutside, denyDotfiles, DEFAULT_CACHE_VALID, DEFAULT_CACHE_MAX,
                DEFAULT_TRUSTED_FILE_BYTES);
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
        if (cache == null) {
            return resolve(segments, count);
        }
        String key = count == 1 ? segments.get(0) : String.join("/", segments.subList(0, count));
        long now = System.nanoTime();
        Cached c = cache.get(key, now);
        if (c != null && now - c.expiresNanos < 0 && stillValid(c.lookup)) {
            return c.lookup;
        }
        Lookup found = resolve(segments, count);
        if (found instanceof Lookup.RegularFile || found instanceof Lookup.Directory) {
            cache.put(key, new Cached(found, now + validNanos), now);
        } else if (c != null) {
            cache.remove(key, c);
        }
        return found;
    }

    /** A cached large file must still be the same file (one stat of its real path, last segment not followed). */
    private boolean stillValid(Lookup cached) {
        if (!(cached instanceof Lookup.RegularFile f) || f.attributes().size() <= trustedFileBytes) {
            return true;
        }
        try {
            BasicFileAttributes now = Files.readAttributes(f.realPath(), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            BasicFileAttributes then = f.attributes();
            return now.isRegularFile() && now.size() == then.size()
                    && now.lastModifiedTime().equals(then.lastModifiedTime())
                    && Objects.equals(now.fileKey(), then.fileKey());
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private Lookup resolve(List<String> segments, int count) {
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
