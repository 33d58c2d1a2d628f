package org.fcgate.gateway.staticfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.path.DocumentRoot.Lookup;
import org.fcgate.gateway.support.Descriptors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open file cache ({@link DocumentRoot#withOpenFileCache}, {@link StaticFileResponder}'s prepared files): files
 * changed, deleted or replaced by a symlink while cached. Large files (above {@link
 * DocumentRoot#DEFAULT_TRUSTED_FILE_BYTES}) are checked on every hit; small ones are a snapshot for the validity. In
 * no case is a byte from outside the root served (R28).
 */
class OpenFileCacheTest {

    private static final Duration HOUR = Duration.ofHours(1);
    private static final String SECRET = "secret outside the root\n";

    @TempDir
    Path tmp;
    private Path root;
    private Path outside;

    @BeforeEach
    void files() throws IOException {
        root = Files.createDirectories(tmp.resolve("www"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.writeString(outside.resolve("big.txt"), SECRET.repeat(2000));
        Files.writeString(root.resolve("small.txt"), "small v1\n");
        Files.writeString(root.resolve("big.txt"), "b".repeat(100_000));
        Files.createDirectories(root.resolve("dir"));
        Files.writeString(root.resolve("dir/big.txt"), "d".repeat(100_000));
    }

    private DocumentRoot open(Duration valid) throws IOException {
        return DocumentRoot.open(root, false, true).withOpenFileCache(valid, 100);
    }

    private static Lookup lookup(DocumentRoot r, String path) {
        return r.lookup(List.of(path.split("/")));
    }

    private static String body(StaticResponse r) throws IOException {
        if (r.body() instanceof StaticResponse.Body.Bytes b) {
            try {
                return b.content().toString(StandardCharsets.UTF_8);
            } finally {
                b.content().release();
            }
        }
        if (r.body() instanceof StaticResponse.Body.Region region) {
            try {
                var out = new java.io.ByteArrayOutputStream();
                region.region().transferTo(java.nio.channels.Channels.newChannel(out), 0);
                return out.toString(StandardCharsets.UTF_8);
            } finally {
                region.region().release();
            }
        }
        throw new AssertionError("body " + r.body());
    }

    private static StaticResponse get(StaticFileResponder responder, Lookup found) throws IOException {
        return responder.respond(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x"),
                (Lookup.RegularFile) found, false);
    }

    @Test
    void aHitIsTheSameLookupWithoutResolvingAgain() throws IOException {
        DocumentRoot r = open(HOUR);
        Lookup first = lookup(r, "small.txt");
        assertThat(first).isInstanceOf(Lookup.RegularFile.class);
        assertThat(lookup(r, "small.txt")).isSameAs(first);
        assertThat(lookup(r, "dir")).isInstanceOf(Lookup.Directory.class).isSameAs(lookup(r, "dir"));
    }

    @Test
    void offMeansEveryLookupResolvesAgain() throws IOException {
        DocumentRoot r = open(Duration.ZERO);
        assertThat(r.caching()).isFalse();
        Lookup first = lookup(r, "small.txt");
        assertThat(lookup(r, "small.txt")).isNotSameAs(first).isInstanceOf(Lookup.RegularFile.class);
        Files.delete(root.resolve("small.txt"));
        assertThat(lookup(r, "small.txt")).isInstanceOf(Lookup.Missing.class);
    }

    @Test
    void aMissingPathIsNeverCachedSoANewFileIsServedAtOnce() throws IOException {
        DocumentRoot r = open(HOUR);
        assertThat(lookup(r, "new.txt")).isInstanceOf(Lookup.Missing.class);
        Files.writeString(root.resolve("new.txt"), "new\n");
        assertThat(lookup(r, "new.txt")).isInstanceOf(Lookup.RegularFile.class);
    }

    @Test
    void aLargeFileChangedWhileCachedIsSeenAtOnce() throws IOException {
        DocumentRoot r = open(HOUR);
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults());
        assertThat(body(get(responder, lookup(r, "big.txt")))).isEqualTo("b".repeat(100_000));
        Files.writeString(root.resolve("big.txt"), "c".repeat(100_001));
        Lookup now = lookup(r, "big.txt");
        assertThat(((Lookup.RegularFile) now).attributes().size()).isEqualTo(100_001);
        assertThat(body(get(responder, now))).isEqualTo("c".repeat(100_001));
    }

    @Test
    void aLargeFileDeletedWhileCachedIsMissingAtOnce() throws IOException {
        DocumentRoot r = open(HOUR);
        assertThat(lookup(r, "big.txt")).isInstanceOf(Lookup.RegularFile.class);
        Files.delete(root.resolve("big.txt"));
        assertThat(lookup(r, "big.txt")).isInstanceOf(Lookup.Missing.class);
    }

    @Test
    void R28_aLargeFileReplacedByASymlinkOutsideWhileCachedIsRefusedAtOnce() throws IOException {
        DocumentRoot r = open(HOUR);
        assertThat(lookup(r, "big.txt")).isInstanceOf(Lookup.RegularFile.class);
        Files.delete(root.resolve("big.txt"));
        Files.createSymbolicLink(root.resolve("big.txt"), outside.resolve("big.txt"));
        assertThat(lookup(r, "big.txt")).isInstanceOf(Lookup.Outside.class);
    }

    @Test
    void R28_aDirectoryReplacedByASymlinkOutsideWhileItsLargeFileIsCachedIsRefusedAtOnce() throws IOException {
        DocumentRoot r = open(HOUR);
        assertThat(lookup(r, "dir/big.txt")).isInstanceOf(Lookup.RegularFile.class);
        Files.move(root.resolve("dir"), tmp.resolve("moved"));
        Files.copy(outside.resolve("big.txt"), outside.resolve("dir-big.txt"));
        Path fake = Files.createDirectories(outside.resolve("fake"));
        Files.move(outside.resolve("dir-big.txt"), fake.resolve("big.txt"));
        Files.createSymbolicLink(root.resolve("dir"), fake);
        assertThat(lookup(r, "dir/big.txt")).isInstanceOf(Lookup.Outside.class);
    }

    @Test
    void R28_aSmallFileReplacedByASymlinkWhileCachedServesOnlyItsOldBytesThenIsRefused() throws IOException {
        DocumentRoot r = open(Duration.ofMillis(300));
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults());
        Lookup cached = lookup(r, "small.txt");
        assertThat(body(get(responder, cached))).isEqualTo("small v1\n");
        Files.delete(root.resolve("small.txt"));
        Files.createSymbolicLink(root.resolve("small.txt"), outside.resolve("secret.txt"));
        // Within the validity the snapshot (taken inside the root) may be served; never the target's bytes.
        Lookup again = lookup(r, "small.txt");
        if (again instanceof Lookup.RegularFile) {
            assertThat(body(get(responder, again))).isEqualTo("small v1\n");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lookup(r, "small.txt") instanceof Lookup.Outside);
    }

    @Test
    void R28_aSmallFileSwappedForASymlinkBeforeItsBytesWereReadIsNotFollowed() throws IOException {
        DocumentRoot r = open(HOUR);
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults());
        Lookup cached = lookup(r, "small.txt");
        Files.delete(root.resolve("small.txt"));
        Files.createSymbolicLink(root.resolve("small.txt"), outside.resolve("secret.txt"));
        assertThatThrownBy(() -> get(responder, cached)).isInstanceOf(IOException.class);
    }

    @Test
    void aSmallFileChangedOrDeletedIsSeenOnceTheValidityIsOver() throws IOException {
        DocumentRoot r = open(Duration.ofMillis(300));
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults());
        assertThat(body(get(responder, lookup(r, "small.txt")))).isEqualTo("small v1\n");
        Path tmpFile = root.resolve("small.txt.new");
        Files.writeString(tmpFile, "small version 2\n");
        Files.move(tmpFile, root.resolve("small.txt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(10)).until(() -> body(get(responder, lookup(r, "small.txt")))
                .equals("small version 2\n"));
        Files.delete(root.resolve("small.txt"));
        await().atMost(Duration.ofSeconds(10)).until(() -> lookup(r, "small.txt") instanceof Lookup.Missing);
    }

    @Test
    void aCachedSmallFileKeepsHeadersAndBytesOfOneVersion() throws IOException {
        DocumentRoot r = open(HOUR);
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults());
        StaticResponse first = get(responder, lookup(r, "small.txt"));
        assertThat(first.head()).isInstanceOf(PreparedHead.class);
        String fields = new String(((PreparedHead) first.head()).fields(), StandardCharsets.US_ASCII);
        assertThat(fields).contains("content-length: 9\r\n").contains("content-type: text/plain");
        assertThat(body(first)).isEqualTo("small v1\n");
        ByteBuf again = ((StaticResponse.Body.Bytes) get(responder, lookup(r, "small.txt")).body()).content();
        try {
            assertThat(again.toString(StandardCharsets.UTF_8)).isEqualTo("small v1\n");
        } finally {
            again.release();
        }
    }

    @Test
    void aRangeOrConditionalRequestForAChangedSmallFileMatchesTheBytesItSends() throws IOException {
        DocumentRoot r = open(HOUR); // the lookup stays cached (no stat) for the whole test
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults());
        Lookup cached = lookup(r, "small.txt");
        assertThat(body(get(responder, cached))).isEqualTo("small v1\n");
        Files.writeString(root.resolve("small.txt"), "small, much longer version 2\n");
        var range = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/small.txt");
        range.headers().set("Range", "bytes=0-");
        StaticResponse partial = responder.respond(range, (Lookup.RegularFile) lookup(r, "small.txt"), false);
        assertThat(partial.head().headers().get("Content-Length")).isEqualTo("29");
        assertThat(partial.head().headers().get("Content-Range")).isEqualTo("bytes 0-28/29");
        assertThat(body(partial)).isEqualTo("small, much longer version 2\n");
        var conditional = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/small.txt");
        conditional.headers().set("If-None-Match", "\"nothing-matches\"");
        StaticResponse whole = responder.respond(conditional, (Lookup.RegularFile) lookup(r, "small.txt"), false);
        assertThat(whole.head().headers().get("Content-Length")).isEqualTo("29");
        assertThat(body(whole)).isEqualTo("small, much longer version 2\n");
    }

    @Test
    void aSmallFileRewrittenWithTheSameSizeAndMtimeIsReadAgainOnceTheValidityIsOver() throws IOException {
        DocumentRoot r = open(Duration.ofMillis(300));
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults()
                .withOpenFileCache(Duration.ofMillis(300), 100));
        Path small = root.resolve("small.txt");
        assertThat(body(get(responder, lookup(r, "small.txt")))).isEqualTo("small v1\n");
        var mtime = Files.getLastModifiedTime(small);
        Files.writeString(small, "small v2\n"); // same size, same inode
        Files.setLastModifiedTime(small, mtime); // as `touch -r`, or a rewrite within one mtime tick
        await().atMost(Duration.ofSeconds(10)).until(() -> body(get(responder, lookup(r, "small.txt")))
                .equals("small v2\n"));
    }

    @Test
    void withTheCacheOffTheResponderBuildsEveryHead() throws IOException {
        DocumentRoot r = open(Duration.ZERO);
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults()
                .withOpenFileCache(Duration.ZERO, 1));
        StaticResponse resp = get(responder, lookup(r, "small.txt"));
        assertThat(resp.head()).isNotInstanceOf(PreparedHead.class);
        assertThat(body(resp)).isEqualTo("small v1\n");
    }

    @Test
    void aSmallFileGzippedOnceFollowsItsNewVersion() throws Exception {
        DocumentRoot r = open(Duration.ofMillis(300));
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults());
        Files.writeString(root.resolve("page.html"), "<p>version one</p>\n".repeat(50));
        assertThat(gunzip(responder, lookup(r, "page.html"))).isEqualTo("<p>version one</p>\n".repeat(50));
        Files.writeString(root.resolve("page.html"), "<p>version two!</p>\n".repeat(50));
        await().atMost(Duration.ofSeconds(10)).until(() -> gunzip(responder, lookup(r, "page.html"))
                .equals("<p>version two!</p>\n".repeat(50)));
    }

    @Test
    void churningThroughFourTimesMoreFilesThanTheCacheHoldsLeaksNoDescriptorAndSparesResponsesStillSending()
            throws Exception {
        int max = 16;
        DocumentRoot r = DocumentRoot.open(root, false, true).withOpenFileCache(HOUR, max);
        StaticFileResponder responder = new StaticFileResponder(StaticOptions.defaults().withOpenFileCache(HOUR, max));
        int files = 4 * max;
        for (int i = 0; i < files; i++) {
            Files.writeString(root.resolve("c" + i + ".txt"), churned(i));
        }
        // Warm up (class loading opens jars), then count: the JVM's descriptors, and those on files of the root.
        body(get(responder, lookup(r, "big.txt")));
        long before = Descriptors.count();
        StaticResponse heldSmall = get(responder, lookup(r, "c1.txt"));
        StaticResponse heldLarge = get(responder, lookup(r, "c0.txt"));
        assertThat(heldLarge.body()).isInstanceOf(StaticResponse.Body.Region.class);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < files; i++) {
                Lookup found = lookup(r, "c" + i + ".txt");
                assertThat(body(get(responder, found))).isEqualTo(churned(i));
                if (i % 4 == 1) {
                    assertThat(gunzip(responder, found)).isEqualTo(churned(i));
                }
            }
        }
        // Every entry was evicted several times while these were "sending": they are untouched, and the large one
        // is the only descriptor open on a file of the root (the cache holds none).
        assertThat(Descriptors.under(root)).hasSize(1);
        assertThat(body(heldSmall)).isEqualTo(churned(1));
        assertThat(body(heldLarge)).isEqualTo(churned(0));
        assertThat(Descriptors.under(root)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> Descriptors.count() <= before);
    }

    /** Even: above 16 KiB (a descriptor per response); odd: small (bytes from memory, gzipped when asked). */
    private static String churned(int i) {
        return i % 2 == 0 ? ("large " + i + "\n").repeat(3000) : ("small " + i + "\n").repeat(40);
    }

    private static String gunzip(StaticFileResponder responder, Lookup found) throws IOException {
        var request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/page.html");
        request.headers().set("Accept-Encoding", "gzip");
        StaticResponse resp = responder.respond(request, (Lookup.RegularFile) found, false);
        assertThat(resp.head()).isInstanceOf(PreparedHead.class);
        assertThat(new String(((PreparedHead) resp.head()).fields(), StandardCharsets.US_ASCII))
                .contains("content-encoding: gzip\r\n").contains("-gz\"\r\n");
        ByteBuf bytes = ((StaticResponse.Body.Bytes) resp.body()).content();
        try (var in = new java.util.zip.GZIPInputStream(new io.netty.buffer.ByteBufInputStream(bytes, true))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
