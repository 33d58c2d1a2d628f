package org.fcgate.bench;

import java.nio.charset.StandardCharsets;
import org.fcgate.fcgi.params.Params;

/** The request and response the benchmarks encode and decode: what nginx and PHP exchange for a form POST. */
final class TypicalExchange {

    private TypicalExchange() {
    }

    /** 30 params: nginx's fastcgi_params and fastcgi.conf (20), then the request's headers as HTTP_* (10). */
    static Params params() {
        return Params.builder()
                .add("QUERY_STRING", "page=2&sort=date")
                .add("REQUEST_METHOD", "POST")
                .add("CONTENT_TYPE", "application/x-www-form-urlencoded")
                .add("CONTENT_LENGTH", "4096")
                .add("SCRIPT_NAME", "/index.php")
                .add("REQUEST_URI", "/index.php?page=2&sort=date")
                .add("DOCUMENT_URI", "/index.php")
                .add("DOCUMENT_ROOT", "/var/www/html")
                .add("SERVER_PROTOCOL", "HTTP/1.1")
                .add("REQUEST_SCHEME", "http")
                .add("GATEWAY_INTERFACE", "CGI/1.1")
                .add("SERVER_SOFTWARE", "fcgate/0.1.0")
                .add("REMOTE_ADDR", "203.0.113.57")
                .add("REMOTE_PORT", "51544")
                .add("SERVER_ADDR", "192.0.2.10")
                .add("SERVER_PORT", "80")
                .add("SERVER_NAME", "www.example.org")
                .add("REDIRECT_STATUS", "200")
                .add("SCRIPT_FILENAME", "/var/www/html/index.php")
                .add("PATH_INFO", "")
                .add("HTTP_HOST", "www.example.org")
                .add("HTTP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
                .add("HTTP_ACCEPT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .add("HTTP_ACCEPT_LANGUAGE", "en-GB,en;q=0.5")
                .add("HTTP_ACCEPT_ENCODING", "gzip, deflate, br, zstd")
                .add("HTTP_COOKIE", "PHPSESSID=9k3v7c2m1q8n4t6b0x5z; theme=dark; consent=1")
                .add("HTTP_REFERER", "http://www.example.org/index.php?page=1&sort=date")
                .add("HTTP_CONNECTION", "keep-alive")
                .add("HTTP_CONTENT_TYPE", "application/x-www-form-urlencoded")
                .add("HTTP_CONTENT_LENGTH", "4096")
                .build();
    }

    /** A urlencoded form body of exactly {@code size} bytes. */
    static byte[] formBody(int size) {
        StringBuilder sb = new StringBuilder(size + 32);
        for (int i = 0; sb.length() < size; i++) {
            sb.append(i == 0 ? "" : "&").append("field").append(i).append("=value+number+").append(i);
        }
        return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    /** The CGI head PHP writes at the start of STDOUT. */
    static String responseHead() {
        return "Status: 200 OK\r\n"
                + "X-Powered-By: PHP/8.2.7\r\n"
                + "Content-Type: text/html; charset=UTF-8\r\n"
                + "Cache-Control: no-store, no-cache, must-revalidate\r\n"
                + "Set-Cookie: PHPSESSID=9k3v7c2m1q8n4t6b0x5z; path=/; HttpOnly\r\n"
                + "\r\n";
    }
}
