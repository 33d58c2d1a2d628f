package org.fcgate.gateway.http;

/**
 * Host = uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2), narrowed to what a virtual host can be: a
 * bracketed IPv6 literal, or a name of letters, digits, '-', '.', '_' and '~' without "..". Path separators,
 * backslashes, '@', stray colons, unbalanced brackets and percent-encoding are refused (nginx http_host.t).
 */
final class HostSyntax {

    private static final int MAX_LENGTH = 255 + 6;

    private HostSyntax() {
    }

    static boolean isValid(String host) {
        if (host.isEmpty() || host.length() > MAX_LENGTH) {
            return false;
        }
        int portStart;
        if (host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 0 || !isIpv6Literal(host.substring(1, close))) {
                return false;
            }
            portStart = close + 1;
        } else {
            int colon = host.indexOf(':');
            portStart = colon < 0 ? host.length() : colon;
            if (portStart == 0 || !isRegName(host.substring(0, portStart))) {
                return false;
            }
        }
        if (portStart == host.length()) {
            return true;
        }
        return host.charAt(portStart) == ':' && isPort(host.substring(portStart + 1));
    }

    private static boolean isRegName(String name) {
        if (name.contains("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6Literal(String s) {
        if (s.length() < 2) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return s.indexOf(':') >= 0;
    }

    private static boolean isPort(String s) {
        if (s.length() > 5) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
