package org.fcgate.gateway.staticfiles;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Date;
import java.util.Locale;

/** Validators and the preconditions of RFC 9110 §13 that static files honour. */
final class Conditionals {

    private Conditionals() {
    }

    /** A strong-enough validator from size and modification time; the gzip representation gets its own tag. */
    static String etag(long size, long mtimeMillis, boolean gzip) {
        return "\"" + Long.toHexString(size) + "-" + Long.toHexString(mtimeMillis) + (gzip ? "-gz" : "") + "\"";
    }

    /** If-None-Match (weak comparison, '*' matches) wins over If-Modified-Since (§13.2.2). */
    static boolean notModified(HttpHeaders in, String etag, long mtimeMillis) {
        String inm = in.get(HttpHeaderNames.IF_NONE_MATCH);
        if (inm != null) {
            String bare = opaque(etag);
            for (String tag : inm.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || opaque(t).equals(bare) || opaque(t).equals(bare.replace("-gz", ""))) {
                    return true;
                }
            }
            return false;
        }
        String ims = in.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (ims != null) {
            Date since = DateFormatter.parseHttpDate(ims);
            return since != null && mtimeMillis / 1000 <= since.getTime() / 1000;
        }
        return false;
    }

    /** If-Range (§13.1.5): the range applies only if the validator still matches; otherwise send everything. */
    static boolean rangeApplies(HttpHeaders in, String etag, String lastModified) {
        String ifRange = in.get(HttpHeaderNames.IF_RANGE);
        return ifRange == null || ifRange.equals(etag) || ifRange.equals(lastModified);
    }

    /** Accept-Encoding lists gzip (or '*') without q=0. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] params = part.split(";");
            String coding = params[0].trim().toLowerCase(Locale.ROOT);
            if (!coding.equals("gzip") && !coding.equals("*")) {
                continue;
            }
            boolean refused = false;
            for (int i = 1; i < params.length; i++) {
                String p = params[i].trim().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    refused = p.substring(2).trim().matches("0(\\.0{0,3})?");
                }
            }
            if (!refused) {
                return true;
            }
        }
        return false;
    }

    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }
}
