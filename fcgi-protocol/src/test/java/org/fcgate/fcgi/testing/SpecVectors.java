package org.fcgate.fcgi.testing;

import java.nio.charset.StandardCharsets;

/**
 * FastCGI 1.0 records written by hand from the specification (§3.3 header, §3.4 name-value pairs, §4 management
 * records, §5 application records), one annotated byte at a time. Encoders must write exactly these bytes; decoders
 * are fed them, whole and split at every offset.
 *
 * <p>Every method returns a fresh array. Bulk content (names, values, bodies) is filled by the helpers at the bottom
 * so that the header and length bytes stay readable.
 */
public final class SpecVectors {

    private SpecVectors() {
    }

    // ---- §5.1 FCGI_BEGIN_REQUEST ------------------------------------------------------------------------------

    /** BEGIN_REQUEST, request id 1, role RESPONDER, flags FCGI_KEEP_CONN. */
    public static byte[] beginResponderKeepConn() {
        byte[] b = new byte[16];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x01;  // type BEGIN_REQUEST
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x01;  // requestIdB0: request id 1
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x08;  // contentLengthB0: FCGI_BeginRequestBody is 8 bytes
        b[6] = 0x00;  // paddingLength: 8 is aligned already
        b[7] = 0x00;  // reserved
        b[8] = 0x00;  // roleB1
        b[9] = 0x01;  // roleB0: FCGI_RESPONDER
        b[10] = 0x01; // flags: FCGI_KEEP_CONN
        b[11] = 0x00; // reserved[0]
        b[12] = 0x00; // reserved[1]
        b[13] = 0x00; // reserved[2]
        b[14] = 0x00; // reserved[3]
        b[15] = 0x00; // reserved[4]
        return b;
    }

    /** BEGIN_REQUEST, request id 0x0102 (258: both id bytes matter), role AUTHORIZER, no flags. */
    public static byte[] beginAuthorizerId258() {
        byte[] b = new byte[16];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x01;  // type BEGIN_REQUEST
        b[2] = 0x01;  // requestIdB1
        b[3] = 0x02;  // requestIdB0: request id 258
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x08;  // contentLengthB0: 8
        b[6] = 0x00;  // paddingLength
        b[7] = 0x00;  // reserved
        b[8] = 0x00;  // roleB1
        b[9] = 0x02;  // roleB0: FCGI_AUTHORIZER
        b[10] = 0x00; // flags: close the connection after the request
        // b[11..15]: reserved[5], zero
        return b;
    }

    /** BEGIN_REQUEST, request id 65535 (the largest), role FILTER, flags FCGI_KEEP_CONN. */
    public static byte[] beginFilterId65535KeepConn() {
        byte[] b = new byte[16];
        b[0] = 0x01;        // version FCGI_VERSION_1
        b[1] = 0x01;        // type BEGIN_REQUEST
        b[2] = (byte) 0xFF; // requestIdB1
        b[3] = (byte) 0xFF; // requestIdB0: request id 65535
        b[4] = 0x00;        // contentLengthB1
        b[5] = 0x08;        // contentLengthB0: 8
        b[6] = 0x00;        // paddingLength
        b[7] = 0x00;        // reserved
        b[8] = 0x00;        // roleB1
        b[9] = 0x03;        // roleB0: FCGI_FILTER
        b[10] = 0x01;       // flags: FCGI_KEEP_CONN
        // b[11..15]: reserved[5], zero
        return b;
    }

    // ---- §5.4 FCGI_ABORT_REQUEST ------------------------------------------------------------------------------

    /** ABORT_REQUEST for request id 1: a header and no content. */
    public static byte[] abortRequestId1() {
        byte[] b = new byte[8];
        b[0] = 0x01; // version FCGI_VERSION_1
        b[1] = 0x02; // type ABORT_REQUEST
        b[2] = 0x00; // requestIdB1
        b[3] = 0x01; // requestIdB0: request id 1
        b[4] = 0x00; // contentLengthB1
        b[5] = 0x00; // contentLengthB0: no content
        b[6] = 0x00; // paddingLength
        b[7] = 0x00; // reserved
        return b;
    }

    // ---- §5.5 FCGI_END_REQUEST --------------------------------------------------------------------------------

    /** END_REQUEST, request id 1, appStatus 0, FCGI_REQUEST_COMPLETE. */
    public static byte[] endRequestComplete() {
        byte[] b = new byte[16];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x03;  // type END_REQUEST
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x01;  // requestIdB0: request id 1
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x08;  // contentLengthB0: FCGI_EndRequestBody is 8 bytes
        b[6] = 0x00;  // paddingLength
        b[7] = 0x00;  // reserved
        b[8] = 0x00;  // appStatusB3
        b[9] = 0x00;  // appStatusB2
        b[10] = 0x00; // appStatusB1
        b[11] = 0x00; // appStatusB0: exit status 0
        b[12] = 0x00; // protocolStatus FCGI_REQUEST_COMPLETE
        b[13] = 0x00; // reserved[0]
        b[14] = 0x00; // reserved[1]
        b[15] = 0x00; // reserved[2]
        return b;
    }

    /** END_REQUEST, request id 1, appStatus 0x01020304 (byte order visible), FCGI_CANT_MPX_CONN. */
    public static byte[] endRequestCantMpxConn() {
        byte[] b = new byte[16];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x03;  // type END_REQUEST
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x01;  // requestIdB0: request id 1
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x08;  // contentLengthB0: 8
        b[6] = 0x00;  // paddingLength
        b[7] = 0x00;  // reserved
        b[8] = 0x01;  // appStatusB3
        b[9] = 0x02;  // appStatusB2
        b[10] = 0x03; // appStatusB1
        b[11] = 0x04; // appStatusB0: appStatus 0x01020304
        b[12] = 0x01; // protocolStatus FCGI_CANT_MPX_CONN
        // b[13..15]: reserved[3], zero
        return b;
    }

    /** END_REQUEST, request id 1, appStatus 0x80000001 (high bit set: negative as a Java int), FCGI_OVERLOADED. */
    public static byte[] endRequestOverloadedHighBit() {
        byte[] b = new byte[16];
        b[0] = 0x01;         // version FCGI_VERSION_1
        b[1] = 0x03;         // type END_REQUEST
        b[2] = 0x00;         // requestIdB1
        b[3] = 0x01;         // requestIdB0: request id 1
        b[4] = 0x00;         // contentLengthB1
        b[5] = 0x08;         // contentLengthB0: 8
        b[6] = 0x00;         // paddingLength
        b[7] = 0x00;         // reserved
        b[8] = (byte) 0x80;  // appStatusB3: high bit set
        b[9] = 0x00;         // appStatusB2
        b[10] = 0x00;        // appStatusB1
        b[11] = 0x01;        // appStatusB0: appStatus 0x80000001
        b[12] = 0x02;        // protocolStatus FCGI_OVERLOADED
        // b[13..15]: reserved[3], zero
        return b;
    }

    /** END_REQUEST, request id 1, appStatus 255, FCGI_UNKNOWN_ROLE. */
    public static byte[] endRequestUnknownRole() {
        byte[] b = new byte[16];
        b[0] = 0x01;         // version FCGI_VERSION_1
        b[1] = 0x03;         // type END_REQUEST
        b[2] = 0x00;         // requestIdB1
        b[3] = 0x01;         // requestIdB0: request id 1
        b[4] = 0x00;         // contentLengthB1
        b[5] = 0x08;         // contentLengthB0: 8
        b[6] = 0x00;         // paddingLength
        b[7] = 0x00;         // reserved
        b[8] = 0x00;         // appStatusB3
        b[9] = 0x00;         // appStatusB2
        b[10] = 0x00;        // appStatusB1
        b[11] = (byte) 0xFF; // appStatusB0: appStatus 255
        b[12] = 0x03;        // protocolStatus FCGI_UNKNOWN_ROLE
        // b[13..15]: reserved[3], zero
        return b;
    }

    // ---- §3.3 empty stream records ---------------------------------------------------------------------------

    /** The empty record that ends a stream of {@code typeCode} (PARAMS 4, STDIN 5, STDOUT 6, STDERR 7, DATA 8). */
    public static byte[] emptyStreamRecord(int typeCode) {
        byte[] b = new byte[8];
        b[0] = 0x01;            // version FCGI_VERSION_1
        b[1] = (byte) typeCode; // type: the stream's type
        b[2] = 0x00;            // requestIdB1
        b[3] = 0x01;            // requestIdB0: request id 1
        b[4] = 0x00;            // contentLengthB1
        b[5] = 0x00;            // contentLengthB0: 0 means end of stream
        b[6] = 0x00;            // paddingLength
        b[7] = 0x00;            // reserved
        return b;
    }

    // ---- §3.4 / §5.2 FCGI_PARAMS ---------------------------------------------------------------------------------

    /**
     * PARAMS stream of request 1 with 1-byte lengths: SCRIPT_NAME=/a.php and QUERY_STRING= (empty value), then the
     * empty PARAMS record.
     */
    public static byte[] paramsShort() {
        byte[] b = new byte[8 + 33 + 7 + 8];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x04;  // type PARAMS
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x01;  // requestIdB0: request id 1
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x21;  // contentLengthB0: 33 = (1+1+11+6) + (1+1+12+0)
        b[6] = 0x07;  // paddingLength: 33 + 7 = 40
        b[7] = 0x00;  // reserved
        b[8] = 0x0B;  // nameLengthB0: 11, high bit clear = 1-byte form
        b[9] = 0x06;  // valueLengthB0: 6
        ascii(b, 10, "SCRIPT_NAME"); // b[10..20]
        ascii(b, 21, "/a.php");      // b[21..26]
        b[27] = 0x0C; // nameLengthB0: 12
        b[28] = 0x00; // valueLengthB0: 0, an empty value
        ascii(b, 29, "QUERY_STRING"); // b[29..40]
        // b[41..47]: padding, zero
        b[48] = 0x01; // version FCGI_VERSION_1
        b[49] = 0x04; // type PARAMS
        b[50] = 0x00; // requestIdB1
        b[51] = 0x01; // requestIdB0: request id 1
        b[52] = 0x00; // contentLengthB1
        b[53] = 0x00; // contentLengthB0: empty record ends the PARAMS stream
        b[54] = 0x00; // paddingLength
        b[55] = 0x00; // reserved
        return b;
    }

    /** The 130-byte name of the 4-byte length vectors (R22: a 130-byte header name). */
    public static byte[] longName() {
        byte[] n = new byte[130];
        ascii(n, 0, "HTTP_X_");
        for (int i = 7; i < n.length; i++) {
            n[i] = (byte) ('A' + i % 26);
        }
        return n;
    }

    /** The value of the 4-byte length vectors: {@code length} bytes 'a'..'z' repeating. */
    public static byte[] longValue(int length) {
        byte[] v = new byte[length];
        for (int i = 0; i < length; i++) {
            v[i] = (byte) ('a' + i % 26);
        }
        return v;
    }

    /** PARAMS stream of request 1: one pair, 130-byte name and 200-byte value, both in the 4-byte length form. */
    public static byte[] paramsLongValue200() {
        byte[] b = new byte[8 + 338 + 6 + 8];
        b[0] = 0x01;        // version FCGI_VERSION_1
        b[1] = 0x04;        // type PARAMS
        b[2] = 0x00;        // requestIdB1
        b[3] = 0x01;        // requestIdB0: request id 1
        b[4] = 0x01;        // contentLengthB1
        b[5] = 0x52;        // contentLengthB0: 0x0152 = 338 = 4 + 4 + 130 + 200
        b[6] = 0x06;        // paddingLength: 338 + 6 = 344
        b[7] = 0x00;        // reserved
        b[8] = (byte) 0x80; // nameLengthB3: high bit = 4-byte form
        b[9] = 0x00;        // nameLengthB2
        b[10] = 0x00;       // nameLengthB1
        b[11] = (byte) 0x82; // nameLengthB0: 130
        b[12] = (byte) 0x80; // valueLengthB3: high bit = 4-byte form
        b[13] = 0x00;        // valueLengthB2
        b[14] = 0x00;        // valueLengthB1
        b[15] = (byte) 0xC8; // valueLengthB0: 200
        copy(b, 16, longName());        // b[16..145]
        copy(b, 146, longValue(200));   // b[146..345]
        // b[346..351]: padding, zero
        b[352] = 0x01; // version FCGI_VERSION_1
        b[353] = 0x04; // type PARAMS
        b[354] = 0x00; // requestIdB1
        b[355] = 0x01; // requestIdB0: request id 1
        b[356] = 0x00; // contentLengthB1
        b[357] = 0x00; // contentLengthB0: end of the PARAMS stream
        b[358] = 0x00; // paddingLength
        b[359] = 0x00; // reserved
        return b;
    }

    /** PARAMS stream of request 1: one pair, 130-byte name and 40,000-byte value (R22), 4-byte lengths. */
    public static byte[] paramsLongValue40000() {
        byte[] b = new byte[8 + 40138 + 6 + 8];
        b[0] = 0x01;         // version FCGI_VERSION_1
        b[1] = 0x04;         // type PARAMS
        b[2] = 0x00;         // requestIdB1
        b[3] = 0x01;         // requestIdB0: request id 1
        b[4] = (byte) 0x9C;  // contentLengthB1
        b[5] = (byte) 0xCA;  // contentLengthB0: 0x9CCA = 40138 = 4 + 4 + 130 + 40000
        b[6] = 0x06;         // paddingLength: 40138 + 6 = 40144
        b[7] = 0x00;         // reserved
        b[8] = (byte) 0x80;  // nameLengthB3: 4-byte form
        b[9] = 0x00;         // nameLengthB2
        b[10] = 0x00;        // nameLengthB1
        b[11] = (byte) 0x82; // nameLengthB0: 130
        b[12] = (byte) 0x80; // valueLengthB3: 4-byte form
        b[13] = 0x00;        // valueLengthB2
        b[14] = (byte) 0x9C; // valueLengthB1
        b[15] = 0x40;        // valueLengthB0: 0x9C40 = 40000
        copy(b, 16, longName());          // b[16..145]
        copy(b, 146, longValue(40000));   // b[146..40145]
        // b[40146..40151]: padding, zero
        b[40152] = 0x01; // version FCGI_VERSION_1
        b[40153] = 0x04; // type PARAMS
        b[40154] = 0x00; // requestIdB1
        b[40155] = 0x01; // requestIdB0: request id 1
        b[40156] = 0x00; // contentLengthB1
        b[40157] = 0x00; // contentLengthB0: end of the PARAMS stream
        b[40158] = 0x00; // paddingLength
        b[40159] = 0x00; // reserved
        return b;
    }

    /**
     * A PARAMS stream a lenient reader must take although no careful writer produces it: pairs straddle records, a
     * 4-byte length is cut in the middle, and padding is 0, 255 (the most) and other lengths that do not align to 8.
     * It carries SCRIPT_NAME=/a.php and the 130-byte {@link #longName()}=x.
     */
    public static byte[] paramsStraddling() {
        byte[] b = new byte[8 + 5 + 0 + 8 + 13 + 255 + 8 + 3 + 1 + 8 + 134 + 0 + 8 + 3];
        b[0] = 0x01;        // version FCGI_VERSION_1
        b[1] = 0x04;        // type PARAMS
        b[2] = 0x00;        // requestIdB1
        b[3] = 0x01;        // requestIdB0: request id 1
        b[4] = 0x00;        // contentLengthB1
        b[5] = 0x05;        // contentLengthB0: 5
        b[6] = 0x00;        // paddingLength: 0, record not aligned
        b[7] = 0x00;        // reserved
        b[8] = 0x0B;        // nameLengthB0: 11
        b[9] = 0x06;        // valueLengthB0: 6
        ascii(b, 10, "SCR");             // b[10..12]: first 3 bytes of the name
        b[13] = 0x01;       // version FCGI_VERSION_1 (record 2 at offset 13)
        b[14] = 0x04;       // type PARAMS
        b[15] = 0x00;       // requestIdB1
        b[16] = 0x01;       // requestIdB0: request id 1
        b[17] = 0x00;       // contentLengthB1
        b[18] = 0x0D;       // contentLengthB0: 13
        b[19] = (byte) 0xFF; // paddingLength: 255, the most there can be
        b[20] = 0x00;       // reserved
        ascii(b, 21, "IPT_NAME/a.ph");   // b[21..33]: rest of the name, most of the value
        for (int i = 34; i < 34 + 255; i++) {
            b[i] = (byte) 0xEE;          // b[34..288]: padding of any value
        }
        b[289] = 0x01;      // version FCGI_VERSION_1 (record 3 at offset 289)
        b[290] = 0x04;      // type PARAMS
        b[291] = 0x00;      // requestIdB1
        b[292] = 0x01;      // requestIdB0: request id 1
        b[293] = 0x00;      // contentLengthB1
        b[294] = 0x03;      // contentLengthB0: 3
        b[295] = 0x01;      // paddingLength: 1
        b[296] = 0x00;      // reserved
        b[297] = 'p';       // last byte of the value "/a.php"
        b[298] = (byte) 0x80; // nameLengthB3: 4-byte form, cut after two bytes
        b[299] = 0x00;      // nameLengthB2
        b[300] = 0x55;      // padding (any value)
        b[301] = 0x01;      // version FCGI_VERSION_1 (record 4 at offset 301)
        b[302] = 0x04;      // type PARAMS
        b[303] = 0x00;      // requestIdB1
        b[304] = 0x01;      // requestIdB0: request id 1
        b[305] = 0x00;      // contentLengthB1
        b[306] = (byte) 0x86; // contentLengthB0: 134 = 2 + 1 + 130 + 1
        b[307] = 0x00;      // paddingLength: 0
        b[308] = 0x00;      // reserved
        b[309] = 0x00;      // nameLengthB1
        b[310] = (byte) 0x82; // nameLengthB0: 130
        b[311] = 0x01;      // valueLengthB0: 1
        copy(b, 312, longName());        // b[312..441]
        b[442] = 'x';       // the value
        b[443] = 0x01;      // version FCGI_VERSION_1 (record 5 at offset 443)
        b[444] = 0x04;      // type PARAMS
        b[445] = 0x00;      // requestIdB1
        b[446] = 0x01;      // requestIdB0: request id 1
        b[447] = 0x00;      // contentLengthB1
        b[448] = 0x00;      // contentLengthB0: end of the PARAMS stream
        b[449] = 0x03;      // paddingLength: 3, even on an empty record
        b[450] = 0x00;      // reserved
        // b[451..453]: padding
        return b;
    }

    // ---- §5.3 FCGI_STDIN --------------------------------------------------------------------------------------

    /** The STDIN body of {@link #stdinSplitAt65535()}: 65540 bytes, {@code i % 251}. */
    public static byte[] stdinBody() {
        byte[] body = new byte[65540];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i % 251);
        }
        return body;
    }

    /** STDIN stream of request 1 carrying {@link #stdinBody()}: a full 65535-byte record, a 5-byte one, the end. */
    public static byte[] stdinSplitAt65535() {
        byte[] body = stdinBody();
        byte[] b = new byte[8 + 65535 + 1 + 8 + 5 + 3 + 8];
        b[0] = 0x01;        // version FCGI_VERSION_1
        b[1] = 0x05;        // type STDIN
        b[2] = 0x00;        // requestIdB1
        b[3] = 0x01;        // requestIdB0: request id 1
        b[4] = (byte) 0xFF; // contentLengthB1
        b[5] = (byte) 0xFF; // contentLengthB0: 65535, the most a record carries
        b[6] = 0x01;        // paddingLength: 65535 + 1 = 65536
        b[7] = 0x00;        // reserved
        System.arraycopy(body, 0, b, 8, 65535); // b[8..65542]
        // b[65543]: padding, zero
        b[65544] = 0x01;    // version FCGI_VERSION_1
        b[65545] = 0x05;    // type STDIN
        b[65546] = 0x00;    // requestIdB1
        b[65547] = 0x01;    // requestIdB0: request id 1
        b[65548] = 0x00;    // contentLengthB1
        b[65549] = 0x05;    // contentLengthB0: the last 5 body bytes
        b[65550] = 0x03;    // paddingLength: 5 + 3 = 8
        b[65551] = 0x00;    // reserved
        System.arraycopy(body, 65535, b, 65552, 5); // b[65552..65556]
        // b[65557..65559]: padding, zero
        b[65560] = 0x01;    // version FCGI_VERSION_1
        b[65561] = 0x05;    // type STDIN
        b[65562] = 0x00;    // requestIdB1
        b[65563] = 0x01;    // requestIdB0: request id 1
        b[65564] = 0x00;    // contentLengthB1
        b[65565] = 0x00;    // contentLengthB0: end of the STDIN stream
        b[65566] = 0x00;    // paddingLength
        b[65567] = 0x00;    // reserved
        return b;
    }

    /** STDIN of request 1 carrying "a=1", then the empty STDIN record. */
    public static byte[] stdinSmall() {
        byte[] b = new byte[8 + 3 + 5 + 8];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x05;  // type STDIN
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x01;  // requestIdB0: request id 1
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x03;  // contentLengthB0: 3
        b[6] = 0x05;  // paddingLength: 3 + 5 = 8
        b[7] = 0x00;  // reserved
        ascii(b, 8, "a=1"); // b[8..10]
        // b[11..15]: padding
        b[16] = 0x01; // version FCGI_VERSION_1
        b[17] = 0x05; // type STDIN
        b[18] = 0x00; // requestIdB1
        b[19] = 0x01; // requestIdB0: request id 1
        b[20] = 0x00; // contentLengthB1
        b[21] = 0x00; // contentLengthB0: end of STDIN
        b[22] = 0x00; // paddingLength
        b[23] = 0x00; // reserved
        return b;
    }

    // ---- §5.3 FCGI_STDOUT / FCGI_STDERR ------------------------------------------------------------------------

    /** The STDOUT content of {@link #responseStory()}: a CGI head with Status 404 and a 4-byte body. */
    public static final String STORY_STDOUT = "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope";

    /**
     * A whole response for request 1: STDOUT (head and body), STDERR "oops\n", the empty STDOUT and STDERR records,
     * END_REQUEST with appStatus 0 and FCGI_REQUEST_COMPLETE.
     */
    public static byte[] responseStory() {
        byte[] b = new byte[8 + 55 + 1 + 8 + 5 + 3 + 8 + 8 + 16];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x06;  // type STDOUT
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x01;  // requestIdB0: request id 1
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x37;  // contentLengthB0: 55
        b[6] = 0x01;  // paddingLength: 55 + 1 = 56
        b[7] = 0x00;  // reserved
        ascii(b, 8, STORY_STDOUT); // b[8..62]
        // b[63]: padding
        b[64] = 0x01; // version FCGI_VERSION_1
        b[65] = 0x07; // type STDERR
        b[66] = 0x00; // requestIdB1
        b[67] = 0x01; // requestIdB0: request id 1
        b[68] = 0x00; // contentLengthB1
        b[69] = 0x05; // contentLengthB0: 5
        b[70] = 0x03; // paddingLength: 5 + 3 = 8
        b[71] = 0x00; // reserved
        ascii(b, 72, "oops\n"); // b[72..76]
        // b[77..79]: padding
        b[80] = 0x01; // version FCGI_VERSION_1
        b[81] = 0x06; // type STDOUT
        b[82] = 0x00; // requestIdB1
        b[83] = 0x01; // requestIdB0: request id 1
        b[84] = 0x00; // contentLengthB1
        b[85] = 0x00; // contentLengthB0: end of STDOUT
        b[86] = 0x00; // paddingLength
        b[87] = 0x00; // reserved
        b[88] = 0x01; // version FCGI_VERSION_1
        b[89] = 0x07; // type STDERR
        b[90] = 0x00; // requestIdB1
        b[91] = 0x01; // requestIdB0: request id 1
        b[92] = 0x00; // contentLengthB1
        b[93] = 0x00; // contentLengthB0: end of STDERR
        b[94] = 0x00; // paddingLength
        b[95] = 0x00; // reserved
        copy(b, 96, endRequestComplete()); // b[96..111]
        return b;
    }

    // ---- §4.1 FCGI_GET_VALUES / FCGI_GET_VALUES_RESULT -------------------------------------------------------

    /** GET_VALUES (request id 0) asking for FCGI_MAX_CONNS, FCGI_MAX_REQS and FCGI_MPXS_CONNS, empty values. */
    public static byte[] getValues() {
        byte[] b = new byte[8 + 48];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x09;  // type GET_VALUES
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x00;  // requestIdB0: FCGI_NULL_REQUEST_ID, a management record
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x30;  // contentLengthB0: 48 = (2+14) + (2+13) + (2+15)
        b[6] = 0x00;  // paddingLength: 48 is aligned
        b[7] = 0x00;  // reserved
        b[8] = 0x0E;  // nameLengthB0: 14
        b[9] = 0x00;  // valueLengthB0: 0
        ascii(b, 10, "FCGI_MAX_CONNS");  // b[10..23]
        b[24] = 0x0D; // nameLengthB0: 13
        b[25] = 0x00; // valueLengthB0: 0
        ascii(b, 26, "FCGI_MAX_REQS");   // b[26..38]
        b[39] = 0x0F; // nameLengthB0: 15
        b[40] = 0x00; // valueLengthB0: 0
        ascii(b, 41, "FCGI_MPXS_CONNS"); // b[41..55]
        return b;
    }

    /** GET_VALUES_RESULT: FCGI_MAX_CONNS=10, FCGI_MAX_REQS=50, FCGI_MPXS_CONNS=0. */
    public static byte[] getValuesResult() {
        byte[] b = new byte[8 + 53 + 3];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x0A;  // type GET_VALUES_RESULT
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x00;  // requestIdB0: FCGI_NULL_REQUEST_ID
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x35;  // contentLengthB0: 53 = (2+14+2) + (2+13+2) + (2+15+1)
        b[6] = 0x03;  // paddingLength: 53 + 3 = 56
        b[7] = 0x00;  // reserved
        b[8] = 0x0E;  // nameLengthB0: 14
        b[9] = 0x02;  // valueLengthB0: 2
        ascii(b, 10, "FCGI_MAX_CONNS10");  // b[10..25]
        b[26] = 0x0D; // nameLengthB0: 13
        b[27] = 0x02; // valueLengthB0: 2
        ascii(b, 28, "FCGI_MAX_REQS50");   // b[28..42]
        b[43] = 0x0F; // nameLengthB0: 15
        b[44] = 0x01; // valueLengthB0: 1
        ascii(b, 45, "FCGI_MPXS_CONNS0");  // b[45..60]
        // b[61..63]: padding
        return b;
    }

    // ---- §4.2 FCGI_UNKNOWN_TYPE ---------------------------------------------------------------------------------

    /** UNKNOWN_TYPE answering a management record of type 12, the first value FastCGI 1.0 does not define. */
    public static byte[] unknownType12() {
        byte[] b = new byte[16];
        b[0] = 0x01;  // version FCGI_VERSION_1
        b[1] = 0x0B;  // type UNKNOWN_TYPE
        b[2] = 0x00;  // requestIdB1
        b[3] = 0x00;  // requestIdB0: FCGI_NULL_REQUEST_ID
        b[4] = 0x00;  // contentLengthB1
        b[5] = 0x08;  // contentLengthB0: FCGI_UnknownTypeBody is 8 bytes
        b[6] = 0x00;  // paddingLength
        b[7] = 0x00;  // reserved
        b[8] = 0x0C;  // type: the type not understood, 12
        // b[9..15]: reserved[7], zero
        return b;
    }

    /** A management record (request id 0) of type 12, which an application must answer with UNKNOWN_TYPE. */
    public static byte[] managementType12() {
        byte[] b = new byte[8];
        b[0] = 0x01; // version FCGI_VERSION_1
        b[1] = 0x0C; // type 12: not defined by FastCGI 1.0
        b[2] = 0x00; // requestIdB1
        b[3] = 0x00; // requestIdB0: FCGI_NULL_REQUEST_ID
        // b[4..7]: no content, no padding, reserved
        return b;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Concatenates vectors into one stream. */
    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Content bytes of every record in {@code stream}, header and padding removed (for ParamsDecoder tests). */
    public static byte[] contentOf(byte[] stream) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (at < stream.length) {
            int length = (stream[at + 4] & 0xFF) << 8 | (stream[at + 5] & 0xFF);
            int padding = stream[at + 6] & 0xFF;
            out.write(stream, at + 8, length);
            at += 8 + length + padding;
        }
        return out.toByteArray();
    }

    private static void ascii(byte[] dst, int at, String s) {
        copy(dst, at, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static void copy(byte[] dst, int at, byte[] src) {
        System.arraycopy(src, 0, dst, at, src.length);
    }
}
