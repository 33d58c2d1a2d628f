package org.fcgate.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.1 client on a plain socket: the request goes out byte for byte as written (no client normalising the
 * target, merging repeated headers or dropping {@code Proxy}), {@code Connection: close}, and the answer is read to
 * EOF, de-chunked when it is chunked.
 */
public final class RawHttp {

    /** Generous for a 50 MiB upload on a loaded 2-core machine; a hang fails the test instead of blocking it. */
    private static final int READ_TIMEOUT_MILLIS = 120_000;

    /** A request: target as sent, header lines ({@code "Name: value"}), and the body (bytes or a file, or none). */
    public record Request(String method, String target, List<String> headers, byte[] body, Path bodyFile) {

        public static Request get(String target, String... headers) {
            return new Request("GET", target, List.of(headers), null, null);
        }

        public static Request post(String target, String contentType, byte[] body) {
            return new Request("POST", target, List.of("Content-Type: " + contentType), body, null);
        }

        public static Request post(String target, String contentType, Path bodyFile) {
            return new Request("POST", target, List.of("Content-Type: " + contentType), null, bodyFile);
        }

        long bodyLength() throws IOException {
            return body != null ? body.length : bodyFile != null ? Files.size(bodyFile) : -1;
        }
    }

    /** The answer: status, header lines and the (de-chunked) body. */
    public record Response(int status, List<String> headers, byte[] body) {

        /** The first value of {@code name} (case-insensitive), or {@code null}. */
        public String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    return h.substring(prefix.length()).trim();
                }
            }
            return null;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private RawHttp() {
    }

    /** Sends {@code request} to {@code 127.0.0.1:port} with {@code Host: host} and reads the whole answer. */
    public static Response exchange(int port, String host, Request request) {
        try (Socket s = new Socket()) {
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            OutputStream out = s.getOutputStream();
            out.write(head(host, request));
            if (request.body() != null) {
                out.write(request.body());
            } else if (request.bodyFile() != null) {
                Files.copy(request.bodyFile(), out);
            }
            out.flush();
            return read(s.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("exchange with 127.0.0.1:" + port + " for " + request.target(), e);
        }
    }

    /** The request head, {@code Connection: close} and, with a body, {@code Content-Length}. */
    public static byte[] head(String host, Request request) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(request.method()).append(' ').append(request.target()).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(host).append("\r\n");
        for (String h : request.headers()) {
            sb.append(h).append("\r\n");
        }
        long length = request.bodyLength();
        if (length >= 0) {
            sb.append("Content-Length: ").append(length).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        // Header bytes as written: UTF-8 in a target is the test's choice, never re-encoded here.
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a response head (status line and header lines, up to the empty line) from {@code in}. */
    public static Response readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("EOF in the response head after " + lines);
            }
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            line.reset();
            text = text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            if (text.isEmpty()) {
                break;
            }
            lines.add(text);
        }
        int status = Integer.parseInt(lines.get(0).split(" ")[1]);
        return new Response(status, lines.subList(1, lines.size()), new byte[0]);
    }

    private static Response read(InputStream in) throws IOException {
        Response head = readHead(in);
        if (head.status() == 100) {
            head = readHead(in);
        }
        byte[] raw = in.readAllBytes();
        String te = head.header("Transfer-Encoding");
        byte[] body = te != null && te.equalsIgnoreCase("chunked") ? dechunk(raw) : raw;
        return new Response(head.status(), head.headers(), body);
    }

    /** RFC 9112 §7.1, without extensions or trailers (neither front sends them). */
    private static byte[] dechunk(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        int i = 0;
        while (true) {
            int eol = indexOfCrlf(raw, i);
            int size = Integer.parseInt(new String(raw, i, eol - i, StandardCharsets.US_ASCII).trim(), 16);
            i = eol + 2;
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(raw, i, size);
            i += size + 2;
        }
    }

    private static int indexOfCrlf(byte[] b, int from) throws IOException {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new IOException("truncated chunked body");
    }
}
