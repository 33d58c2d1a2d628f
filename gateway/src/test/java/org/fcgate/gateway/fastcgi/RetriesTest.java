package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.Revocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which failed requests {@link Retries} sends again: the decision table of its class comment. */
class RetriesTest {

    private static final BackendAddress A = new BackendAddress.Tcp("198.18.0.2", 9000);
    private static final BackendAddress B = new BackendAddress.Tcp("198.18.0.3", 9000);
    private static final BackendAddress C = new BackendAddress.Tcp("198.18.0.4", 9000);

    @TempDir
    Path temp;

    private RequestBody memoryBody() {
        RequestBody body = new RequestBody(ByteBufAllocator.DEFAULT, 1024, temp);
        body.append(Unpooled.copiedBuffer(new byte[] {'x'}));
        return body;
    }

    private RequestBody spilledBody() {
        RequestBody body = new RequestBody(ByteBufAllocator.DEFAULT, 0, temp);
        body.append(Unpooled.copiedBuffer(new byte[] {'x'}));
        return body;
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PATCH", "DELETE"})
    void aFailedConnectGoesToAnotherServerWhateverTheMethod(String method) {
        Retries r = new Retries(HttpMethod.valueOf(method), 3);
        assertThat(r.afterConnectFailure(A)).isTrue();
        assertThat(r.afterConnectFailure(B)).isTrue();
        assertThat(r.afterConnectFailure(C)).as("third server tried: max_tries reached").isFalse();
        assertThat(r.failedOn()).containsExactly(A, B, C);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
    void anIdempotentRequestLeftUnansweredGoesToAnotherServer(String method) {
        RequestBody body = memoryBody();
        try {
            assertThat(new Retries(HttpMethod.valueOf(method), 2).afterNoAnswer(A, body)).isTrue();
        } finally {
            body.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PATCH", "LOCK"})
    void aSentRequestThatIsNotIdempotentIsNeverSentAgain(String method) {
        RequestBody body = memoryBody();
        try {
            assertThat(new Retries(HttpMethod.valueOf(method), 5).afterNoAnswer(A, body)).isFalse();
        } finally {
            body.release();
        }
    }

    @Test
    void notOnceAByteOfTheAnswerArrived() {
        RequestBody body = memoryBody();
        try {
            Retries r = new Retries(HttpMethod.GET, 5);
            r.responseByte();
            assertThat(r.afterNoAnswer(A, body)).isFalse();
            assertThat(r.staleConnection(session(true), body)).isFalse();
        } finally {
            body.release();
        }
    }

    @Test
    void notWhenTheBodyCannotBeSentAgain() {
        RequestBody spilled = spilledBody();
        try {
            assertThat(spilled.file()).isNotNull();
            assertThat(new Retries(HttpMethod.PUT, 5).afterNoAnswer(A, spilled)).as("temp file read once").isFalse();
            assertThat(new Retries(HttpMethod.PUT, 5).afterNoAnswer(A, null)).as("streamed").isFalse();
        } finally {
            spilled.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PATCH"})
    void aRequestTheServerRefusedAsOverloadedGoesToAnotherServerWhateverTheMethod(String method) {
        RequestBody body = memoryBody();
        RequestBody spilled = spilledBody();
        try {
            Retries r = new Retries(HttpMethod.valueOf(method), 2);
            assertThat(r.afterOverloaded(A, body)).isTrue();
            assertThat(r.afterOverloaded(B, body)).as("max_tries").isFalse();
            assertThat(new Retries(HttpMethod.valueOf(method), 2).afterOverloaded(A, spilled))
                    .as("its body was read from the temp file to be sent").isFalse();
        } finally {
            body.release();
            spilled.release();
        }
    }

    @Test
    void maxTriesBoundsEveryCaseTogether() {
        RequestBody body = memoryBody();
        try {
            Retries r = new Retries(HttpMethod.GET, 2);
            assertThat(r.afterConnectFailure(A)).isTrue();
            assertThat(r.afterNoAnswer(B, body)).isFalse();
            assertThat(new Retries(HttpMethod.GET, 1).afterConnectFailure(A)).as("max_tries 1: no retry").isFalse();
        } finally {
            body.release();
        }
    }

    @Test
    void aStaleKeptConnectionIsRetriedOnceAndDoesNotCountAsATry() {
        RequestBody body = memoryBody();
        try {
            Retries r = new Retries(HttpMethod.GET, 2);
            assertThat(r.staleConnection(session(false), body)).as("a fresh connection failing is real").isFalse();
            assertThat(r.staleConnection(session(true), body)).isTrue();
            assertThat(r.staleConnection(session(true), body)).as("once").isFalse();
            assertThat(r.failedOn()).isEmpty();
            assertThat(new Retries(HttpMethod.POST, 2).staleConnection(session(true), body)).isFalse();
        } finally {
            body.release();
        }
    }

    private static Backend.Session session(boolean reused) {
        return new Backend.Session() {
            @Override
            public Channel channel() {
                return null;
            }

            @Override
            public BackendHandler handler() {
                return null;
            }

            @Override
            public boolean reused() {
                return reused;
            }

            @Override
            public boolean keepConn() {
                return true;
            }

            @Override
            public long pid() {
                return 0;
            }

            @Override
            public CompletableFuture<Revocation> revoked() {
                return new CompletableFuture<>();
            }

            @Override
            public void release() {
            }

            @Override
            public void releaseBroken() {
            }
        };
    }
}
