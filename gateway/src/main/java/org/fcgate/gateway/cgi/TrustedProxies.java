package org.fcgate.gateway.cgi;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Peers whose {@code X-Forwarded-For} the gateway believes: a list of CIDR blocks (nginx {@code set_real_ip_from}).
 * The client address is then the right-most {@code X-Forwarded-For} entry that is not itself trusted, walking from the
 * right (nginx {@code real_ip_header X-Forwarded-For; real_ip_recursive on;}). Empty list: no peer is trusted.
 *
 * <p>Address literals are parsed without name resolution: a string that is not an IPv4 or IPv6 literal is never
 * passed to {@link InetAddress#getByName} (which would do a DNS lookup).
 */
public record TrustedProxies(List<Cidr> blocks) {

    /** One block, e.g. {@code 10.0.0.0/8}, {@code 127.0.0.1} (a /32) or {@code ::1/128}. */
    public record Cidr(byte[] network, int prefixLength) {

        /** Parses {@code ADDRESS[/PREFIX]}; bits past the prefix must be zero, as nginx requires. */
        public static Cidr parse(String text) {
            int slash = text.indexOf('/');
            String addr = slash < 0 ? text : text.substring(0, slash);
            InetAddress a = literal(addr).orElseThrow(() ->
                    new IllegalArgumentException("trusted proxy '" + text + "' is not an IP address or CIDR block"));
            byte[] bytes = a.getAddress();
            int max = bytes.length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? max : Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("trusted proxy '" + text + "' has a bad prefix length", e);
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("trusted proxy '" + text + "': prefix length must be 0.." + max);
            }
            for (int bit = prefix; bit < max; bit++) {
                if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                    throw new IllegalArgumentException("trusted proxy '" + text + "' has host bits set");
                }
            }
            return new Cidr(bytes, prefix);
        }

        public boolean contains(InetAddress address) {
            byte[] b = address.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = prefixLength / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest) & 0xFF;
            return (b[full] & mask) == (network[full] & mask);
        }
    }

    public TrustedProxies {
        blocks = List.copyOf(blocks);
    }

    public static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    public static TrustedProxies parse(List<String> cidrs) {
        List<Cidr> list = new ArrayList<>(cidrs.size());
        for (String c : cidrs) {
            list.add(Cidr.parse(c.trim()));
        }
        return new TrustedProxies(list);
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    public boolean trusts(InetAddress peer) {
        for (Cidr c : blocks) {
            if (c.contains(peer)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client behind a trusted {@code peer}: walk {@code forwardedFor} (all X-Forwarded-For values, in order) from
     * the right, skipping trusted entries; the first untrusted one is the client. If every entry is trusted, the
     * left-most is. An entry that is not an address literal stops the walk at the last good one (nginx does the same).
     */
    public InetAddress clientBehind(InetAddress peer, List<String> forwardedFor) {
        List<String> entries = new ArrayList<>();
        for (String v : forwardedFor) {
            int start = 0;
            for (int i = 0; i <= v.length(); i++) {
                if (i == v.length() || v.charAt(i) == ',') {
                    String e = v.substring(start, i).trim();
                    if (!e.isEmpty()) {
                        entries.add(e);
                    }
                    start = i + 1;
                }
            }
        }
        InetAddress client = peer;
        for (int i = entries.size() - 1; i >= 0 && trusts(client); i--) {
            Optional<InetAddress> a = literal(entries.get(i));
            if (a.isEmpty()) {
                break;
            }
            client = a.get();
        }
        return client;
    }

    /** An IPv4 dotted quad or an IPv6 literal (optionally in brackets), never a host name. */
    static Optional<InetAddress> literal(String s) {
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty()) {
            return Optional.empty();
        }
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean ok = c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
                        || c >= 'A' && c <= 'F';
                if (!ok) {
                    return Optional.empty();
                }
            }
            return resolveLiteral(s);
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3) {
                return Optional.empty();
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return Optional.empty();
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return Optional.empty();
            }
            b[i] = (byte) v;
        }
        try {
            return Optional.of(Inet4Address.getByAddress(b));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static Optional<InetAddress> resolveLiteral(String v6) {
        try {
            // Only hex digits, ':' and '.' reach here, so this parses a literal and never asks DNS.
            return Optional.of(InetAddress.getByName(v6));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
