package org.fcgate.gateway.fastcgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.file.Path;

/**
 * A request body collected whole before a backend is asked for (a slow upload never holds a child, and
 * CONTENT_LENGTH is known even for a chunked body): memory up to a threshold, then a private temp file. The HTTP
 * layer has already bounded the size ({@code --max-body}, 413).
 */
final class RequestBody {

    private final CompositeByteBuf memory;
    private final long memoryLimit;
    private final Path tempDirectory;
    private TempFile file;
    private long size;

    RequestBody(ByteBufAllocator alloc, long memoryLimit, Path tempDirectory) {
        this.memory = alloc.compositeBuffer(Integer.MAX_VALUE);
        this.memoryLimit = memoryLimit;
        this.tempDirectory = tempDirectory;
    }

    void append(ByteBuf chunk) {
        size += chunk.readableBytes();
        if (file == null && size <= memoryLimit) {
            memory.addComponent(true, chunk);
            return;
        }
        if (file == null) {
            file = new TempFile(tempDirectory, ".body");
            if (memory.isReadable()) {
                file.append(memory.retain());
            }
        }
        file.append(chunk);
    }

    long size() {
        return size;
    }

    /** The whole body when it stayed in memory (ownership passes to the caller), else null. */
    ByteBuf takeMemory() {
        return file == null ? memory.retain() : null;
    }

    /** The spilled body, read back in order, or null. */
    TempFile file() {
        return file;
    }

    void release() {
        memory.release();
        if (file != null) {
            file.close();
        }
    }
}
