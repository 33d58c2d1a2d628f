package org.fcgate.gateway.fastcgi;

import io.netty.buffer.ByteBuf;

/** A holder of a backend connection that releases what it reads and ignores the rest; tests override what they watch. */
class IgnoringHolder implements BackendHandler.Events {

    @Override
    public void backendRead(ByteBuf data) {
        data.release();
    }

    @Override
    public void backendReadComplete() {
    }

    @Override
    public void backendInactive() {
    }

    @Override
    public void backendException(Throwable cause) {
    }
}
