package org.fcgate.fcgi.protocol;

/**
 * Bounds that keep a decoder's memory finite whatever the peer sends.
 *
 * @param maxParamsBytes       largest PARAMS stream, counting name-value length prefixes (default 64 KiB, as the
 *                             gateway's header limit; a request over it is refused before any backend contact)
 * @param maxParamCount        most name-value pairs in one PARAMS stream (default 1000)
 * @param maxResponseHeadBytes largest CGI response head in STDOUT, up to and including the blank line
 *                             (default 64 KiB, nginx's "upstream sent too big header" guard)
 */
public record FcgiLimits(int maxParamsBytes, int maxParamCount, int maxResponseHeadBytes) {

    public static final int DEFAULT_MAX_PARAMS_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_PARAM_COUNT = 1000;
    public static final int DEFAULT_MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

    /** The defaults named above. */
    public static final FcgiLimits DEFAULTS =
            new FcgiLimits(DEFAULT_MAX_PARAMS_BYTES, DEFAULT_MAX_PARAM_COUNT, DEFAULT_MAX_RESPONSE_HEAD_BYTES);

    public FcgiLimits {
        requirePositive("maxParamsBytes", maxParamsBytes);
        requirePositive("maxParamCount", maxParamCount);
        requirePositive("maxResponseHeadBytes", maxResponseHeadBytes);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    public FcgiLimits withMaxParamsBytes(int value) {
        return new FcgiLimits(value, maxParamCount, maxResponseHeadBytes);
    }

    public FcgiLimits withMaxParamCount(int value) {
        return new FcgiLimits(maxParamsBytes, value, maxResponseHeadBytes);
    }

    public FcgiLimits withMaxResponseHeadBytes(int value) {
        return new FcgiLimits(maxParamsBytes, maxParamCount, value);
    }
}
