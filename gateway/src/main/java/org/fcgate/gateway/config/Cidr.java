package org.fcgate.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code ::1/128}, as nginx's {@code set_real_ip_from} takes it. A
 * bare address is a block of one. Host bits must be zero, so a typo like {@code 10.0.0.1/8} is refused.
 */
public record Cidr(InetAddress network, int prefixLength) {

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length (" + prefixLength + ") must be within 0.." + bits);
        }
        byte[] masked = mask(network.getAddress(), prefixLength);
        if (!Arrays.equals(masked, network.getAddress())) {
            throw new IllegalArgumentException("has host bits set (network would be "
                    + format(masked) + "/" + prefixLength + ")");
        }
    }

    /** Parses {@code ADDR/LEN} or {@code ADDR}; only literals, never a DNS lookup. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        InetAddress network = literal(addr);
        int bits = network.getAddress().length * 8;
        int len;
        try {
            len = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("prefix length is not a number");
        }
        return new Cidr(network, len);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        return a.length == network.getAddress().length
                && Arrays.equals(mask(a, prefixLength), network.getAddress());
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }

    private static InetAddress literal(String addr) {
        // InetAddress.getByName would resolve a host name; accept only IPv4 dotted quads and IPv6 literals.
        boolean v4 = addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = addr.contains(":") && addr.matches("[0-9A-Fa-f:.]+");
        if (v4) {
            for (String octet : addr.split("\\.")) {
                v4 &= Integer.parseInt(octet) <= 255;
            }
        }
        if (!v4 && !v6) {
            throw new IllegalArgumentException("is not an IP address or ADDR/LEN block");
        }
        try {
            return InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("is not an IP address or ADDR/LEN block");
        }
    }

    private static byte[] mask(byte[] address, int prefixLength) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    private static String format(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of " + address.length + " bytes", e);
        }
    }
}
